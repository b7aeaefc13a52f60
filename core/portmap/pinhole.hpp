#pragma once
// IPv6 pinholes (UPnP IGD WANIPv6FirewallControl): what is asked, what the IGD grants,
// and the pure rules around them: which addresses of this host get one, the lease
// asked for, when a granted lease is renewed, and the JSON view (docs/API.md, PINHOLE).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/net/interfaces.hpp"
#include "core/portmap/mapping.hpp"
#include "core/portmap/port_mapper.hpp"

namespace p2pd::portmap {

// "let anyone reach address:port (protocol) through the IGD's IPv6 firewall".
struct PinholeRequest {
  net::IpAddress address;            // one of this host's IPv6 addresses
  std::uint16_t port = 0;
  Protocol protocol = Protocol::udp;
  std::uint32_t lease_s = 3600;      // asked for (pinhole_lease() of what the caller wants)
};

struct PinholeEntry {
  std::uint64_t id = 0;
  PinholeRequest request;
  MapState state = MapState::mapping;  // mapping: being opened; mapped: open; failed
  std::optional<std::uint16_t> unique_id;  // the IGD's UniqueID while open
  std::uint32_t lease_s = 0;           // granted (WANIPv6FirewallControl grants what was asked)
  std::optional<Error> error;          // why the last attempt failed
  std::uint64_t expires_ms = 0;        // loop clock; 0 while not open
  unsigned renewals = 0;
};

// WANIPv6FirewallControl takes leases of 1-86400 s: `asked` clamped to that, 0 as 86400.
std::uint32_t pinhole_lease(std::uint32_t asked);

// When a lease of lease_s granted at now_ms is renewed (UpdatePinhole): at half the
// lease, at least 1 s after the grant.
std::uint64_t pinhole_renew_at_ms(std::uint64_t now_ms, std::uint32_t lease_s);

// The addresses that get the node port's pinholes: the global and ULA IPv6 addresses of
// the interface carrying the IPv6 default route, without tentative, deprecated or
// duplicate (DAD failed) ones. Empty without an IPv6 default route.
std::vector<net::IpAddress> pinhole_addresses(const net::Snapshot& snapshot);

// {"kind":"pinhole","id","protocol","internal_address","internal_port","external"
//  ("[addr]:port", where outsiders reach it),"state","renewals","requested":{"lifetime_s"},
//  "unique_id"?,"method":"upnp"?,"lifetime_s"?,"expires_in_s"?,"error"?}
nlohmann::json to_json(const PinholeEntry& entry, std::uint64_t now_ms);

}  // namespace p2pd::portmap
