#pragma once
// Default routes out of a route dump: which interfaces carry 0.0.0.0/0 and ::/0, and
// which of them the kernel uses.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/net/endpoint.hpp"
#include "core/net/netlink_message.hpp"

namespace p2pd::net {

// A default route (0.0.0.0/0 or ::/0 in the main table). Without a gateway the
// interface itself is the link (a tunnel, a point-to-point link).
struct DefaultRoute {
  std::uint32_t index = 0;           // outgoing interface
  std::string interface;             // its name (filled by build_snapshot)
  std::optional<IpAddress> gateway;  // scope_id = index for IPv6 link-local
  std::uint32_t metric = 0;
  friend bool operator==(const DefaultRoute&, const DefaultRoute&) = default;
};

// One usable default route per next hop of `family` from the main table, best first
// (lowest metric, then lowest interface index). Skipped: other tables, non-unicast
// types (unreachable, blackhole, ...), cloned entries, next hops that are down
// (RTNH_F_DEAD / RTNH_F_LINKDOWN). `interface` names are left empty.
std::vector<DefaultRoute> default_routes(const std::vector<RouteInfo>& routes, Family family);

}  // namespace p2pd::net
