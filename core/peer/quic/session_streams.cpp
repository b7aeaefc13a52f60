// Session: stream bookkeeping shared by the ngtcp2 callbacks and the Stream API.
#include <spdlog/spdlog.h>

#include "core/peer/quic/session.hpp"

namespace p2pd::peer::quic {

Result<std::shared_ptr<Stream>> Session::open_stream() {
  if (closed_) return Error{"closed", "session is closed"};
  if (!established_) return Error{"not_ready", "handshake not confirmed yet"};
  std::int64_t id = -1;
  int rv = ngtcp2_conn_open_bidi_stream(conn_, &id, nullptr);
  if (rv == NGTCP2_ERR_STREAM_ID_BLOCKED) return Error{"limit", "the peer allows no more streams now"};
  if (rv != 0) return Error{"quic_error", std::string("open stream: ") + ngtcp2_strerror(rv)};
  return add_stream(id);
}

std::shared_ptr<Stream> Session::add_stream(std::int64_t id) {
  auto& slot = streams_[id];
  if (!slot) slot.reset(new Stream(this, id, config_.stream_send_limit));
  return slot;
}

std::shared_ptr<Stream> Session::find_stream(std::int64_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second;
}

void Session::mark_ready(Stream& stream) {
  if (stream.in_ready_ || !stream.wants_send()) return;
  stream.in_ready_ = true;
  ready_.push_back(stream.id_);
}

void Session::post_readable(const std::shared_ptr<Stream>& stream) {
  if (stream->readable_posted_) return;
  stream->readable_posted_ = true;
  post([stream] {
    stream->readable_posted_ = false;
    if (stream->on_readable_) stream->on_readable_();
  });
}

void Session::on_stream_written(Stream& stream) {
  mark_ready(stream);
  if (established_) schedule_write();
}

void Session::on_stream_consumed(Stream& stream, std::size_t n) {
  if (closed_) return;
  ngtcp2_conn_extend_max_stream_offset(conn_, stream.id_, n);  // fails harmlessly once the stream is gone
  ngtcp2_conn_extend_max_offset(conn_, n);
  schedule_write();
}

void Session::on_stream_stop_reading(Stream& stream) {
  if (closed_) return;
  ngtcp2_conn_shutdown_stream_read(conn_, stream.id_, 0);
  schedule_write();
}

void Session::on_stream_reset(Stream& stream, std::uint64_t app_error) {
  if (closed_) return;
  ngtcp2_conn_shutdown_stream(conn_, stream.id_, app_error);
  stream.tx_dead_ = true;
  schedule_write();
}

void Session::stream_closed(std::int64_t id, Status how) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  auto stream = it->second;
  streams_.erase(it);
  stream->session_ = nullptr;
  stream->closed_ = true;
  post([stream, how] {
    if (stream->on_closed_) stream->on_closed_(how);
  });
}

}  // namespace p2pd::peer::quic
