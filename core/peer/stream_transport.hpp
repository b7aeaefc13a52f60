#pragma once
// A pipe carried by a QUIC stream to another daemon: the pipe::Transport that lets every
// pipe operation (send, recv, subscriptions, forward, tunnel) work on a peer connection
// unchanged. Bytes are a stream (framing applies). Backpressure both ways: while the
// pipe pauses reading, received bytes stay unconsumed in the stream, so the peer's QUIC
// flow-control window closes; the send backlog is the stream's unsent bytes, and
// on_transport_drained runs when it falls to the low-water mark.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/peer/quic/stream.hpp"
#include "core/pipe/transport.hpp"

namespace p2pd::peer {

class StreamTransport final : public pipe::Transport {
 public:
  // `stream` has had its open header read (if any); its callbacks now belong to this.
  StreamTransport(loop::Loop& loop, std::shared_ptr<quic::Stream> stream, net::Endpoint local,
                  net::Endpoint remote, std::size_t low_water = 256 * 1024);
  ~StreamTransport() override;

  std::string_view kind() const override { return "peer"; }
  bool is_stream() const override { return true; }
  bool can_send_to() const override { return false; }
  Status start(pipe::TransportHandler* handler) override;
  void set_reading(bool on) override;
  Status send(std::vector<std::uint8_t> bytes, const std::optional<net::Endpoint>& to) override;
  std::size_t backlog() const override { return stream_ ? stream_->unsent_bytes() : 0; }
  void shutdown_write() override;
  void close(bool graceful) override;
  std::optional<net::Endpoint> local() const override { return local_; }
  std::optional<net::Endpoint> remote() const override { return remote_; }
  nlohmann::json details() const override { return details_ ? details_() : nlohmann::json(nullptr); }
  // What details() shows (the owner knows the peer and the session; this only the stream).
  void set_details(std::function<nlohmann::json()> fn) { details_ = std::move(fn); }

  const std::shared_ptr<quic::Stream>& stream() const { return stream_; }

 private:
  void deliver();
  void end(Status status);

  loop::Timer resume_;  // delivers bytes that waited while reading was paused
  std::shared_ptr<quic::Stream> stream_;
  net::Endpoint local_;
  net::Endpoint remote_;
  std::size_t low_water_;
  std::function<nlohmann::json()> details_;
  pipe::TransportHandler* handler_ = nullptr;
  bool reading_ = false;
  bool ended_ = false;
  bool shut_down_ = false;
};

}  // namespace p2pd::peer
