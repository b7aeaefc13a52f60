#pragma once
// This daemon's own peer address: its key, its node port, and per usable interface and
// family the NIC addresses others may dial (what GET /v1/addr and /addr show, and what
// a peer pastes into /open). NAT results and signaling channels join it when those
// subsystems exist; until then groups carry NIC candidates only.
//
//   auto addr = own_address(identity.public_key(), {node_port}, interfaces.snapshot());
#include <cstdint>
#include <vector>

#include "core/net/interfaces.hpp"
#include "core/proto/peer_address.hpp"

namespace p2pd::peer {

// Interfaces that are up and running and not loopback give one group per family with
// their bindable addresses (not tentative, not failed DAD), best first: global, then
// private, then link-local; not deprecated before deprecated. The default-route interface
// of each family comes first. Limits of the format (kMaxGroups, kMaxNics) cut the tail.
proto::peer::PeerAddress own_address(const proto::peer::Key& key, std::vector<std::uint16_t> ports,
                                     const net::Snapshot& interfaces,
                                     std::vector<proto::peer::Channel> signaling = {});

}  // namespace p2pd::peer
