#pragma once
// The daemon's peer subsystem as the API sees it: this identity's PeerService on the node
// port (once started), the own peer address built from the current interfaces and NAT
// results, and the
// "peers" readiness line. Exists for the daemon's whole life, so routes can hold a pointer
// before the service is started and after it stopped. Loop thread only.
#include <memory>
#include <string>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/net/interface_service.hpp"
#include "core/observe/status_board.hpp"
#include "core/peer/identity.hpp"
#include "core/peer/peer_service.hpp"
#include "core/traverse/nat_service.hpp"

namespace p2pd::peer {

class PeerNode {
 public:
  // `interfaces`, `nat` and `status` may be null.
  PeerNode(loop::Loop& loop, const Identity& identity, const net::InterfaceService* interfaces,
           const traverse::NatService* nat, observe::StatusBoard* status);

  // Binds the node port (UDP and TCP, IPv4 and IPv6 where the host has them). A failure
  // leaves the subsystem "degraded" with the reason and is returned; the daemon goes on
  // without peer connections.
  Status start(PeerServiceOptions options, PeerService::IncomingFn on_incoming);
  // Closes every session ("going away" to the peers); service() is null afterwards.
  void stop();

  PeerService* service() { return service_.get(); }
  const Identity& identity() const { return identity_; }
  // This daemon's address: key, node port, NIC candidates with the NAT classifier's
  // newest results, signaling channels. Error
  // "unavailable" while the node port is not bound.
  Result<proto::peer::PeerAddress> own_address() const;
  // The brokers our address names as its signaling channels (the daemon's config).
  void set_signaling(std::vector<proto::peer::Channel> channels) { signaling_ = std::move(channels); }

 private:
  loop::Loop& loop_;
  const Identity& identity_;
  const net::InterfaceService* interfaces_;
  const traverse::NatService* nat_;
  observe::StatusBoard* status_;
  std::unique_ptr<PeerService> service_;
  std::vector<proto::peer::Channel> signaling_;
};

// A quic::KeyPair from the identity (both are libsodium's Ed25519 layout).
quic::KeyPair quic_key_pair(const Identity& identity);

}  // namespace p2pd::peer
