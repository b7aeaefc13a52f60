#pragma once
// Datagrams to one peer through a TURN allocation (traverse::turn): the relay path of
// a peer session, the last resort when no direct or punched path works. The first send
// installs the peer's permission and binds a channel (ChannelData from then on); the
// permission and channel are refreshed while the path is used. Receives only what the
// peer sends; closed when the allocation goes away.
#include <cstdint>
#include <memory>
#include <optional>

#include "core/peer/path.hpp"
#include "core/traverse/turn_relay_hub.hpp"

namespace p2pd::peer {

// A QUIC datagram that fits a relayed UDP datagram on the Internet (1500 - IPv6 40 -
// UDP 8 - ChannelData 4, with room to spare).
inline constexpr std::size_t kTurnPathDatagram = 1400;

class TurnPath final : public Path {
 public:
  TurnPath(std::shared_ptr<traverse::turn::RelayHub> hub, net::Endpoint peer);
  ~TurnPath() override { close(); }

  PathKind kind() const override { return PathKind::turn; }
  std::size_t max_datagram_size() const override { return kTurnPathDatagram; }
  net::Endpoint local_endpoint() const override { return relayed_; }  // the relayed address
  net::Endpoint remote_endpoint() const override { return peer_; }
  Result<std::size_t> send(std::span<const std::span<const std::uint8_t>> datagrams) override;
  void set_receiver(ReceiveFn on_datagram, ClosedFn on_closed) override;
  void set_on_writable(WritableFn) override {}  // like UDP: retry on a short timer
  void close() override;
  bool is_open() const override { return open_ && hub_->client() != nullptr; }

 private:
  std::shared_ptr<traverse::turn::RelayHub> hub_;
  net::Endpoint peer_;
  net::Endpoint relayed_;
  std::optional<std::uint64_t> token_;
  bool open_ = true;
  ReceiveFn on_datagram_;
  ClosedFn on_closed_;
};

}  // namespace p2pd::peer
