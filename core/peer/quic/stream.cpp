#include "core/peer/quic/stream.hpp"

#include <algorithm>

#include "core/peer/quic/session.hpp"

namespace p2pd::peer::quic {

std::size_t Stream::write(std::span<const std::uint8_t> bytes) {
  if (!session_ || closed_ || fin_requested_ || tx_dead_) return 0;
  std::size_t room = tx_.size() < send_limit_ ? send_limit_ - tx_.size() : 0;
  std::size_t take = std::min(room, bytes.size());
  if (take < bytes.size()) writer_waiting_ = true;
  if (take == 0) return 0;
  tx_.append(bytes.first(take));
  session_->on_stream_written(*this);
  return take;
}

bool Stream::write_all(std::span<const std::uint8_t> bytes) {
  if (!session_ || closed_ || fin_requested_ || tx_dead_) return false;
  if (bytes.empty()) return true;
  tx_.append(bytes);
  if (unsent() > unsent_low_water_) unsent_waiting_ = true;
  session_->on_stream_written(*this);
  return true;
}

void Stream::shutdown_write() {
  if (!session_ || fin_requested_) return;
  fin_requested_ = true;
  session_->on_stream_written(*this);
}

void Stream::consume(std::size_t n) {
  n = std::min(n, rx_.size());
  if (n == 0) return;
  rx_.pop(n);
  if (session_) session_->on_stream_consumed(*this, n);
}

void Stream::reset(std::uint64_t app_error) {
  if (!session_) return;
  session_->on_stream_reset(*this, app_error);
}

void Stream::report_closed_later(loop::Loop& loop, Status how) {
  closing_ = std::make_unique<loop::Timer>(loop);
  closing_->start(0, 0, [this, how] {
    auto fn = std::move(on_closed_);  // the call may drop the last reference to us
    on_closed_ = nullptr;
    if (fn) fn(how);
  });
}

void Stream::close() {
  on_readable_ = nullptr;
  on_writable_ = nullptr;
  on_closed_ = nullptr;
  if (!session_) return;
  if (!fin_requested_) shutdown_write();
  if (!rx_fin_ && !rx_stopped_) {
    rx_stopped_ = true;
    session_->on_stream_stop_reading(*this);
  }
  // Unread bytes are dropped; their credit goes back to the connection.
  std::size_t unread = rx_.size();
  rx_.pop(unread);
  if (unread > 0 && session_) session_->on_stream_consumed(*this, unread);
}

}  // namespace p2pd::peer::quic
