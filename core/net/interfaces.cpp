#include "core/net/interfaces.hpp"

#include <linux/if_addr.h>
#include <net/if.h>

#include <algorithm>
#include <map>
#include <set>

namespace p2pd::net {
namespace {

InterfaceFlags link_flags(std::uint32_t f) {
  InterfaceFlags out;
  out.up = (f & IFF_UP) != 0;
  out.running = (f & IFF_RUNNING) != 0;
  out.loopback = (f & IFF_LOOPBACK) != 0;
  out.multicast = (f & IFF_MULTICAST) != 0;
  out.point_to_point = (f & IFF_POINTOPOINT) != 0;
  return out;
}

AddressFlags address_flags(std::uint32_t f) {
  AddressFlags out;
  out.tentative = (f & IFA_F_TENTATIVE) != 0;
  out.deprecated = (f & IFA_F_DEPRECATED) != 0;
  out.temporary = (f & IFA_F_TEMPORARY) != 0;
  out.dad_failed = (f & IFA_F_DADFAILED) != 0;
  return out;
}

// Fills the family's default route and each interface's own best gateway.
void apply_defaults(Snapshot& snap, const std::vector<RouteInfo>& routes, Family family) {
  auto& chosen = family == Family::v4 ? snap.default_v4 : snap.default_v6;
  std::set<std::uint32_t> seen;  // routes come best first: the first per interface counts
  for (auto& route : default_routes(routes, family)) {
    Interface* iface = nullptr;
    for (auto& i : snap.interfaces) {
      if (i.index == route.index) iface = &i;
    }
    if (!iface || !seen.insert(iface->index).second) continue;
    (family == Family::v4 ? iface->gateway_v4 : iface->gateway_v6) = route.gateway;
    if (!chosen) {
      route.interface = iface->name;
      chosen = route;
      (family == Family::v4 ? iface->is_default_v4 : iface->is_default_v6) = true;
    }
  }
}

}  // namespace

const Interface* Snapshot::find(std::string_view name) const {
  for (const auto& i : interfaces) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

const Interface* Snapshot::find(std::uint32_t index) const {
  for (const auto& i : interfaces) {
    if (i.index == index) return &i;
  }
  return nullptr;
}

std::string format_mac(std::span<const std::uint8_t> hwaddr) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < hwaddr.size(); ++i) {
    if (i) out += ':';
    out += hex[hwaddr[i] >> 4];
    out += hex[hwaddr[i] & 0x0f];
  }
  return out;
}

Snapshot build_snapshot(const std::vector<LinkInfo>& links, const std::vector<AddrInfo>& addrs,
                        const std::vector<RouteInfo>& routes) {
  std::map<std::uint32_t, Interface> by_index;
  for (const auto& link : links) {
    if (link.index == 0 || by_index.count(link.index)) continue;
    Interface iface;
    iface.name = link.name;
    iface.index = link.index;
    iface.mac = format_mac(link.hwaddr);
    iface.flags = link_flags(link.flags);
    iface.mtu = link.mtu;
    by_index.emplace(link.index, std::move(iface));
  }
  for (const auto& a : addrs) {
    auto it = by_index.find(a.index);
    if (it == by_index.end()) continue;
    it->second.addresses.push_back(
        // IFA_F_* states are IPv6's; for IPv4 the kernel reuses bit 0x01 as "secondary".
        InterfaceAddress{a.address, a.prefix, classify(a.address),
                         a.address.family == Family::v6 ? address_flags(a.flags) : AddressFlags{}});
  }
  Snapshot snap;
  for (auto& [index, iface] : by_index) {
    std::stable_partition(iface.addresses.begin(), iface.addresses.end(),
                          [](const InterfaceAddress& a) { return a.address.family == Family::v4; });
    snap.interfaces.push_back(std::move(iface));
  }
  apply_defaults(snap, routes, Family::v4);
  apply_defaults(snap, routes, Family::v6);
  return snap;
}

}  // namespace p2pd::net
