#pragma once
// Carries a pipe's raw bytes to and from a local stream socket — the connection a
// forward accepted, or the HTTP connection a GET /tunnel took over — with flow control
// both ways and clean endings (docs/ARCHITECTURE.md, "Forwards and /tunnel"):
//  - pipe -> local: written to the socket; above relay_high_water of unsent bytes the
//    pipe stops reading (TCP backpressure reaches the remote), below low water it
//    resumes. A datagram pipe cannot pause: datagrams beyond the mark are dropped.
//  - local -> pipe: sent on the pipe; above high water of the pipe's backlog the
//    local socket stops being read until the pipe drains.
//  - endings, like socat: a FIN on one side is passed on as a FIN (half-close) to the
//    other; when both have finished, or once the half-closed relay has carried nothing
//    for half_close_ms, or at once on an error, both are closed (sockets flushed
//    gracefully). A long one-way transfer after the first FIN is not cut.
#include <cstdint>
#include <memory>
#include <string>

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/pipe/lingerer.hpp"
#include "core/pipe/pipe.hpp"

namespace p2pd::pipe {

class StreamRelay final : public PipeTap {
 public:
  StreamRelay(loop::Loop& loop, const PipeLimits& limits, Lingerer& lingerer, Pipe& pipe, loop::Tcp local);
  ~StreamRelay();
  StreamRelay(const StreamRelay&) = delete;
  StreamRelay& operator=(const StreamRelay&) = delete;

  Status start();
  bool active() const { return !done_; }
  std::uint64_t dropped_datagrams() const { return dropped_; }

 private:
  void on_pipe_data(std::span<const std::uint8_t> bytes, const net::Endpoint& from) override;
  void on_pipe_end(Status status) override;
  void on_pipe_drained() override;

  void read_local();
  void on_local_data(std::span<const std::uint8_t> bytes);
  void on_local_end(Status status);
  void on_local_written(Status status);
  void arm_half_close();
  void on_half_close_tick();
  void finish(std::string reason);

  loop::Loop& loop_;
  const PipeLimits& limits_;
  Lingerer& lingerer_;
  Pipe& pipe_;
  loop::Tcp local_;
  loop::Timer half_close_;
  std::uint64_t last_traffic_ms_ = 0;
  bool attached_ = false;
  bool local_paused_ = false;
  bool holding_pipe_ = false;
  bool local_eof_ = false;
  bool pipe_eof_ = false;
  bool done_ = false;
  std::uint64_t dropped_ = 0;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace p2pd::pipe
