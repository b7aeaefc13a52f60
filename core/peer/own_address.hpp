#pragma once
// This daemon's own peer address: its key, its node port, and per usable interface and
// family the NIC addresses others may dial (what GET /v1/addr and /addr show, and what
// a peer pastes into /open), the signaling channels that reach it, and per group what
// the NAT classifier found for that interface and family (external address, NAT type,
// port delta) once it knows.
//
//   auto addr = own_address(identity.public_key(), {node_port}, interfaces.snapshot(),
//                           channels, nat.results());
#include <cstdint>
#include <vector>

#include "core/net/interfaces.hpp"
#include "core/proto/peer_address.hpp"
#include "core/traverse/nat_types.hpp"

namespace p2pd::peer {

// Interfaces that are up and running and not loopback give one group per family with
// their bindable addresses (not tentative, not failed DAD), best first: global, then
// private, then link-local; not deprecated before deprecated. The default-route interface
// of each family comes first. Limits of the format (kMaxGroups, kMaxNics) cut the tail.
// A group takes the NAT result of its interface name and family whose probing address is
// one of the group's NIC addresses (a result from an address the interface no longer has
// is stale and ignored): its type, its delta (none while unknown), its external address
// when the servers confirmed it, and the node port's external port when the delta says
// which (preserving: port + value; equal: the port itself, so none is written).
proto::peer::PeerAddress own_address(const proto::peer::Key& key, std::vector<std::uint16_t> ports,
                                     const net::Snapshot& interfaces,
                                     std::vector<proto::peer::Channel> signaling = {},
                                     const std::vector<traverse::NatResult>& nat = {});

}  // namespace p2pd::peer
