#include "core/net/routes.hpp"

#include <linux/rtnetlink.h>

#include <algorithm>

namespace p2pd::net {
namespace {

bool is_main_default(const RouteInfo& r, Family family) {
  return r.family == family && r.dst_len == 0 && r.table == RT_TABLE_MAIN && r.type == RTN_UNICAST &&
         (r.flags & RTM_F_CLONED) == 0;
}

bool hop_down(std::uint32_t flags) { return (flags & (RTNH_F_DEAD | RTNH_F_LINKDOWN)) != 0; }

}  // namespace

std::vector<DefaultRoute> default_routes(const std::vector<RouteInfo>& routes, Family family) {
  std::vector<DefaultRoute> out;
  for (const auto& r : routes) {
    if (!is_main_default(r, family) || hop_down(r.flags)) continue;
    for (const auto& hop : r.hops) {
      if (hop.oif == 0 || hop_down(hop.flags)) continue;
      out.push_back(DefaultRoute{hop.oif, {}, hop.gateway, r.priority});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const DefaultRoute& a, const DefaultRoute& b) {
    return a.metric != b.metric ? a.metric < b.metric : a.index < b.index;
  });
  return out;
}

}  // namespace p2pd::net
