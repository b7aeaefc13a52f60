#pragma once
// TURN allocations as pipe transports (core/pipe/transport.hpp), so the pipe routes
// (send, recv, subscriptions, forwards) work on relays:
// - TurnRelayTransport: the datagrams of a UDP allocation; sends go to `to` or the
//   default peer, received datagrams carry their peer as sender. Closing it releases the
//   allocation (on_close).
// - TurnStreamTransport: one RFC 6062 data connection, a byte stream to one peer.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/pipe/transport.hpp"
#include "core/traverse/turn_client.hpp"
#include "core/traverse/turn_relay_hub.hpp"

namespace p2pd::traverse::turn {

class TurnRelayTransport final : public pipe::Transport {
 public:
  TurnRelayTransport(std::shared_ptr<RelayHub> hub, std::optional<net::Endpoint> default_peer,
                     std::function<void()> on_close);
  ~TurnRelayTransport() override { close(false); }

  std::string_view kind() const override { return "turn"; }
  bool is_stream() const override { return false; }
  bool can_send_to() const override { return true; }
  Status start(pipe::TransportHandler* handler) override;
  void set_reading(bool) override {}
  Status send(std::vector<std::uint8_t> bytes, const std::optional<net::Endpoint>& to) override;
  std::size_t backlog() const override;
  void shutdown_write() override {}
  void close(bool graceful) override;
  std::optional<net::Endpoint> local() const override;
  std::optional<net::Endpoint> remote() const override { return default_peer_; }

 private:
  std::shared_ptr<RelayHub> hub_;
  std::optional<net::Endpoint> default_peer_;
  std::function<void()> on_close_;
  std::optional<std::uint64_t> token_;
  pipe::TransportHandler* handler_ = nullptr;
  std::optional<net::Endpoint> relayed_;
};

class TurnStreamTransport final : public pipe::Transport {
 public:
  TurnStreamTransport(loop::Loop& loop, BoundConnection connection, std::optional<net::Endpoint> relayed);
  ~TurnStreamTransport() override { close(false); }

  std::string_view kind() const override { return "turn-tcp"; }
  bool is_stream() const override { return true; }
  bool can_send_to() const override { return false; }
  Status start(pipe::TransportHandler* handler) override;
  void set_reading(bool on) override;
  Status send(std::vector<std::uint8_t> bytes, const std::optional<net::Endpoint>& to) override;
  std::size_t backlog() const override { return tcp_.write_queue_size(); }
  void shutdown_write() override;
  void close(bool graceful) override;
  std::optional<net::Endpoint> local() const override { return relayed_; }
  std::optional<net::Endpoint> remote() const override { return peer_; }
  std::uint32_t connection_id() const { return connection_id_; }

  static constexpr std::size_t kLowWater = 64 * 1024;

 private:
  void start_reading();

  loop::Tcp tcp_;
  loop::Timer initial_timer_;
  std::vector<std::uint8_t> initial_;
  net::Endpoint peer_;
  std::optional<net::Endpoint> relayed_;
  std::uint32_t connection_id_ = 0;
  pipe::TransportHandler* handler_ = nullptr;
  bool want_reading_ = true;
  bool reading_ = false;
  bool ended_ = false;
  bool closed_ = false;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace p2pd::traverse::turn
