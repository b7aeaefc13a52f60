#pragma once
// Where to dial a peer directly, from its peer address: each NIC address of each group
// (LAN first), then each external address, UDP then TCP, on the peer's node port. Pure.
//
//   auto list = peer::direct_candidates(address);   // in the order the dialer tries them
#include <string>
#include <vector>

#include "core/net/endpoint.hpp"
#include "core/peer/path.hpp"
#include "core/proto/peer_address.hpp"

namespace p2pd::peer {

struct DialCandidate {
  PathKind kind = PathKind::udp;  // udp or tcp
  net::Endpoint remote;
  std::string source;             // "nic", "external", "self": shown as the pipe's strategy detail
  std::string describe() const;   // "udp 192.0.2.1:4000 (nic)"
  friend bool operator==(const DialCandidate&, const DialCandidate&) = default;
};

// IPv6 link-local NIC addresses are left out: their zone is an interface of the peer's,
// which says nothing about which of ours reaches it. Duplicates are dropped.
std::vector<DialCandidate> direct_candidates(const proto::peer::PeerAddress& address);

// Converts a peer-address IP (no zone) and port to an endpoint.
net::Endpoint endpoint_of(const proto::peer::Ip& ip, std::uint16_t port);

}  // namespace p2pd::peer
