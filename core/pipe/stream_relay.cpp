#include "core/pipe/stream_relay.hpp"

#include <algorithm>

namespace p2pd::pipe {

StreamRelay::StreamRelay(loop::Loop& loop, const PipeLimits& limits, Lingerer& lingerer, Pipe& pipe,
                         loop::Tcp local)
    : loop_(loop), limits_(limits), lingerer_(lingerer), pipe_(pipe), local_(std::move(local)) {}

StreamRelay::~StreamRelay() {
  alive_.reset();
  if (attached_) pipe_.detach_tap(this);
  if (local_.is_open()) lingerer_.adopt(std::move(local_), limits_.close_linger_ms);
}

Status StreamRelay::start() {
  (void)local_.set_nodelay(true);
  if (auto st = pipe_.attach_tap(this); !st.ok()) return st;
  attached_ = true;
  if (!done_) read_local();
  return {};
}

void StreamRelay::read_local() {
  auto st = local_.read_start([this](std::span<const std::uint8_t> b) { on_local_data(b); },
                              [this](Status s) { on_local_end(std::move(s)); });
  if (!st.ok()) finish("local socket: " + st.error().message);
}

// --- pipe -> local ------------------------------------------------------------------

void StreamRelay::on_pipe_data(std::span<const std::uint8_t> bytes, const net::Endpoint&) {
  if (done_) return;
  last_traffic_ms_ = loop_.now_ms();
  if (!pipe_.is_stream() && local_.write_queue_size() > limits_.relay_high_water) {
    ++dropped_;
    return;
  }
  local_.write(std::vector<std::uint8_t>(bytes.begin(), bytes.end()),
               [this, alive = std::weak_ptr<char>(alive_)](Status st) {
                 if (!alive.expired()) on_local_written(std::move(st));
               });
  if (pipe_.is_stream() && !holding_pipe_ && local_.write_queue_size() > limits_.relay_high_water) {
    holding_pipe_ = true;
    pipe_.hold_reading(true);
  }
}

void StreamRelay::on_local_written(Status status) {
  if (done_) return;
  if (!status.ok()) return finish("local socket: " + status.error().message);
  if (holding_pipe_ && local_.write_queue_size() <= limits_.relay_low_water) {
    holding_pipe_ = false;
    pipe_.hold_reading(false);
  }
}

void StreamRelay::on_pipe_end(Status status) {
  if (done_) return;
  if (!status.ok()) return finish(status.error().message);
  pipe_eof_ = true;
  if (local_eof_) return finish("both sides finished");
  local_.shutdown();  // FIN to the local program after what is queued
  arm_half_close();
}

// --- local -> pipe ------------------------------------------------------------------

void StreamRelay::on_local_data(std::span<const std::uint8_t> bytes) {
  if (done_) return;
  last_traffic_ms_ = loop_.now_ms();
  if (auto st = pipe_.send_raw(std::vector<std::uint8_t>(bytes.begin(), bytes.end())); !st.ok())
    return finish("pipe: " + st.error().message);
  if (!local_paused_ && pipe_.send_backlog() > limits_.relay_high_water) {
    local_paused_ = true;
    local_.read_stop();
  }
}

void StreamRelay::on_pipe_drained() {
  if (done_ || !local_paused_ || local_eof_) return;
  if (pipe_.send_backlog() > limits_.relay_low_water) return;
  local_paused_ = false;
  read_local();
}

void StreamRelay::on_local_end(Status status) {
  if (done_) return;
  if (!status.ok()) return finish("local socket: " + status.error().message);
  local_eof_ = true;
  if (!pipe_.is_stream() || pipe_eof_) return finish("both sides finished");
  pipe_.shutdown_write();  // FIN to the remote after what is queued
  arm_half_close();
}

// --- endings ------------------------------------------------------------------------

// Half-closed, the relay ends when the open direction has been idle for half_close_ms:
// checked a few times per period rather than restarting a timer on every read.
void StreamRelay::arm_half_close() {
  if (half_close_.is_open()) return;
  last_traffic_ms_ = loop_.now_ms();
  half_close_ = loop::Timer(loop_);
  const std::uint64_t tick = std::max<std::uint64_t>(limits_.half_close_ms / 4, 1);
  half_close_.start(tick, tick, [this] { on_half_close_tick(); });
}

void StreamRelay::on_half_close_tick() {
  if (loop_.now_ms() - last_traffic_ms_ >= limits_.half_close_ms) finish("half-closed and idle for too long");
}

void StreamRelay::finish(std::string reason) {
  if (done_) return;
  done_ = true;
  half_close_.close();
  if (attached_) {
    attached_ = false;
    pipe_.detach_tap(this);
  }
  // Queued bytes still reach the local program; then FIN.
  if (local_.is_open()) lingerer_.adopt(std::move(local_), limits_.close_linger_ms);
  pipe_.close("relay ended: " + reason);
}

}  // namespace p2pd::pipe
