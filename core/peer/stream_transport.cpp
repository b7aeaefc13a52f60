#include "core/peer/stream_transport.hpp"

#include <string>

namespace p2pd::peer {
namespace {

Error reset_error(std::uint64_t code) {
  return Error{"reset", "the peer aborted the stream (application error " + std::to_string(code) + ")"};
}

}  // namespace

StreamTransport::StreamTransport(loop::Loop& loop, std::shared_ptr<quic::Stream> stream, net::Endpoint local,
                                 net::Endpoint remote, std::size_t low_water)
    : resume_(loop), stream_(std::move(stream)), local_(local), remote_(remote), low_water_(low_water) {
  stream_->set_unsent_low_water(low_water);
}

StreamTransport::~StreamTransport() { close(false); }

Status StreamTransport::start(pipe::TransportHandler* handler) {
  handler_ = handler;
  if (!stream_ || stream_->closed()) return Error{"closed", "peer stream is closed"};
  stream_->set_on_readable([this] { deliver(); });
  stream_->set_on_writable([this] {
    if (handler_ && stream_ && stream_->unsent_bytes() <= low_water_) handler_->on_transport_drained();
  });
  stream_->set_on_closed([this](Status how) {
    // Both directions are done (ok) or the stream/session failed. After a clean
    // finish, bytes still unread (reading paused) are delivered first; deliver() ends
    // the transport when they are gone.
    if (how.ok() && stream_ && stream_->reset_received()) how = reset_error(*stream_->reset_received());
    if (how.ok() && stream_ && stream_->readable() > 0) {
      deliver();
      return;
    }
    end(std::move(how));
  });
  set_reading(true);
  return {};
}

void StreamTransport::set_reading(bool on) {
  if (ended_ || on == reading_) return;
  reading_ = on;
  // Deliver what waited, on the next loop turn (never inside the caller's call).
  if (on) resume_.start(0, 0, [this] { deliver(); });
}

void StreamTransport::deliver() {
  if (!stream_ || !handler_) return;
  while (reading_ && !ended_ && stream_ && stream_->readable() > 0) {
    auto run = stream_->peek();
    std::size_t n = run.size();
    handler_->on_transport_data(run, remote_);  // may pause reading or close us
    if (!stream_) return;
    stream_->consume(n);  // opens the peer's flow-control window
  }
  if (reading_ && !ended_ && stream_ && stream_->eof()) {
    if (auto code = stream_->reset_received())
      end(reset_error(*code));
    else
      end({});
  }
}

void StreamTransport::end(Status status) {
  if (ended_) return;
  ended_ = true;
  reading_ = false;
  if (handler_) handler_->on_transport_end(std::move(status));
}

Status StreamTransport::send(std::vector<std::uint8_t> bytes, const std::optional<net::Endpoint>& to) {
  if (to && !(*to == remote_)) return Error{"bad_request", "a peer pipe sends only to its peer"};
  if (!stream_ || stream_->closed()) return Error{"closed", "peer stream is closed"};
  if (shut_down_) return Error{"closed", "peer stream was shut down for sending"};
  if (!stream_->write_all(bytes)) return Error{"closed", "the peer stopped this stream"};
  return {};
}

void StreamTransport::shutdown_write() {
  if (shut_down_ || !stream_) return;
  shut_down_ = true;
  stream_->shutdown_write();
}

void StreamTransport::close(bool graceful) {
  handler_ = nullptr;
  resume_.stop();
  if (!stream_) return;
  // The session keeps the stream until its bytes are acknowledged (graceful) ...
  if (graceful) {
    stream_->close();
  } else {
    stream_->set_on_readable(nullptr);
    stream_->set_on_writable(nullptr);
    stream_->set_on_closed(nullptr);
    stream_->reset(0);  // ... or drops them now.
  }
  stream_.reset();
}

}  // namespace p2pd::peer
