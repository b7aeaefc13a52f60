#pragma once
// Where PCP and NAT-PMP requests go: the default gateway's port 5351, sent from the local
// address the kernel would use toward it (PCP requires the client address in the
// request to be the packet's source).
#include <cstdint>
#include <string>

#include "core/net/endpoint.hpp"
#include "core/net/interfaces.hpp"
#include "core/result.hpp"

namespace p2pd::portmap {

inline constexpr std::uint16_t kGatewayPort = 5351;  // PCP and NAT-PMP servers alike

struct Gateway {
  net::Endpoint server;      // gateway address, port 5351 (tests: any address and port)
  net::IpAddress local;      // our address toward it
  std::string interface;     // the interface it is reached on (empty when unknown)
  std::string to_string() const { return server.address.to_string(); }
  friend bool operator==(const Gateway&, const Gateway&) = default;
};

// The default route's gateway of `family` in `snapshot` and our source address toward it.
// Errors: "no_gateway" (no default route, or one without a gateway address), and those
// of source_address_toward.
Result<Gateway> default_gateway(const net::Snapshot& snapshot, net::Family family);

// The source address the kernel picks for packets to `to` (a UDP connect on a throwaway
// socket: no packet is sent, no blocking). Errors: "unreachable", "io_error".
Result<net::IpAddress> source_address_toward(const net::IpAddress& to);

}  // namespace p2pd::portmap
