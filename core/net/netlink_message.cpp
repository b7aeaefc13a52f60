#include "core/net/netlink_message.hpp"

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <algorithm>
#include <cstring>
#include <functional>

namespace p2pd::net {
namespace {

using Bytes = std::span<const std::uint8_t>;

constexpr std::size_t align4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

Error malformed(std::string what) { return make_error("malformed", "netlink: " + std::move(what)); }

// Copies a fixed header out of the payload (no alignment assumptions).
template <class T>
bool read_header(Bytes payload, T& out) {
  if (payload.size() < sizeof(T)) return false;
  std::memcpy(&out, payload.data(), sizeof(T));
  return true;
}

// Calls fn(type, value) for each attribute in `attrs`; false on a bad length.
bool for_each_attr(Bytes attrs, const std::function<bool(std::uint16_t, Bytes)>& fn) {
  while (attrs.size() >= sizeof(rtattr)) {
    rtattr a;
    std::memcpy(&a, attrs.data(), sizeof a);
    if (a.rta_len < sizeof(rtattr) || a.rta_len > attrs.size()) return false;
    Bytes value = attrs.subspan(sizeof(rtattr), a.rta_len - sizeof(rtattr));
    if (!fn(static_cast<std::uint16_t>(a.rta_type & NLA_TYPE_MASK), value)) return false;
    attrs = attrs.subspan(std::min(align4(a.rta_len), attrs.size()));
  }
  return true;
}

std::optional<std::uint32_t> read_u32(Bytes value) {
  if (value.size() < 4) return std::nullopt;
  std::uint32_t v;
  std::memcpy(&v, value.data(), 4);
  return v;
}

// An address attribute of the message's family: 4 bytes for v4, 16 for v6.
std::optional<IpAddress> read_address(Bytes value, Family family, std::uint32_t scope_index) {
  IpAddress a;
  a.family = family;
  std::size_t size = family == Family::v4 ? 4 : 16;
  if (value.size() != size) return std::nullopt;
  std::memcpy(a.bytes, value.data(), size);
  if (family == Family::v6 && a.is_link_local()) a.scope_id = scope_index;
  return a;
}

std::optional<Family> family_of(std::uint8_t af) {
  if (af == AF_INET) return Family::v4;
  if (af == AF_INET6) return Family::v6;
  return std::nullopt;
}

// RTA_MULTIPATH: a list of struct rtnexthop, each followed by its own attributes.
bool parse_multipath(Bytes value, Family family, std::vector<RouteHop>& hops) {
  while (value.size() >= sizeof(rtnexthop)) {
    rtnexthop nh;
    std::memcpy(&nh, value.data(), sizeof nh);
    if (nh.rtnh_len < sizeof(rtnexthop) || nh.rtnh_len > value.size()) return false;
    RouteHop hop;
    hop.oif = static_cast<std::uint32_t>(nh.rtnh_ifindex);
    hop.flags = nh.rtnh_flags;
    Bytes attrs = value.subspan(sizeof(rtnexthop), nh.rtnh_len - sizeof(rtnexthop));
    bool ok = for_each_attr(attrs, [&](std::uint16_t type, Bytes v) {
      if (type == RTA_GATEWAY) {
        hop.gateway = read_address(v, family, hop.oif);
        return hop.gateway.has_value();
      }
      return true;
    });
    if (!ok) return false;
    hops.push_back(std::move(hop));
    value = value.subspan(std::min(align4(nh.rtnh_len), value.size()));
  }
  return true;
}

}  // namespace

Result<std::vector<NetlinkMessage>> split_messages(Bytes datagram) {
  std::vector<NetlinkMessage> out;
  while (!datagram.empty()) {
    nlmsghdr h;
    if (!read_header(datagram, h)) return malformed("short message header");
    if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > datagram.size()) {
      return malformed("message length " + std::to_string(h.nlmsg_len) + " out of bounds");
    }
    out.push_back(NetlinkMessage{h.nlmsg_type, h.nlmsg_flags, h.nlmsg_seq, h.nlmsg_pid,
                                 datagram.subspan(sizeof(nlmsghdr), h.nlmsg_len - sizeof(nlmsghdr))});
    datagram = datagram.subspan(std::min(align4(h.nlmsg_len), datagram.size()));
  }
  return out;
}

Result<int> parse_error_code(Bytes payload) {
  int code;
  if (!read_header(payload, code)) return malformed("short error message");
  return code;
}

Result<LinkInfo> parse_link(Bytes payload) {
  ifinfomsg ifi;
  if (!read_header(payload, ifi)) return malformed("short link message");
  LinkInfo link;
  link.index = static_cast<std::uint32_t>(ifi.ifi_index);
  link.flags = ifi.ifi_flags;
  bool ok = for_each_attr(payload.subspan(align4(sizeof ifi)), [&](std::uint16_t type, Bytes v) {
    switch (type) {
      case IFLA_IFNAME: {
        auto end = std::find(v.begin(), v.end(), std::uint8_t{0});
        link.name.assign(v.begin(), end);
        return !link.name.empty() && link.name.size() < IF_NAMESIZE;
      }
      case IFLA_ADDRESS:
        link.hwaddr.assign(v.begin(), v.end());
        return true;
      case IFLA_MTU: {
        auto mtu = read_u32(v);
        if (mtu) link.mtu = *mtu;
        return mtu.has_value();
      }
      default:
        return true;
    }
  });
  if (!ok) return malformed("bad attribute in link message");
  if (link.name.empty()) return malformed("link " + std::to_string(link.index) + " has no name");
  return link;
}

Result<AddrInfo> parse_addr(Bytes payload) {
  ifaddrmsg ifa;
  if (!read_header(payload, ifa)) return malformed("short address message");
  auto family = family_of(ifa.ifa_family);
  if (!family) return make_error("unsupported", "netlink: address family " + std::to_string(ifa.ifa_family));
  AddrInfo info;
  info.index = ifa.ifa_index;
  info.prefix = ifa.ifa_prefixlen;
  info.flags = ifa.ifa_flags;
  info.scope = ifa.ifa_scope;
  // IFA_LOCAL is the local address when present; IFA_ADDRESS is then the peer of a
  // point-to-point link. Without IFA_LOCAL (IPv6), IFA_ADDRESS is the local one.
  std::optional<IpAddress> local, address;
  bool ok = for_each_attr(payload.subspan(align4(sizeof ifa)), [&](std::uint16_t type, Bytes v) {
    switch (type) {
      case IFA_LOCAL:
        local = read_address(v, *family, info.index);
        return local.has_value();
      case IFA_ADDRESS:
        address = read_address(v, *family, info.index);
        return address.has_value();
      case IFA_FLAGS: {
        auto flags = read_u32(v);
        if (flags) info.flags = *flags;
        return flags.has_value();
      }
      default:
        return true;
    }
  });
  if (!ok) return malformed("bad attribute in address message");
  if (!local && !address) return malformed("address message without an address");
  info.address = local ? *local : *address;
  std::uint8_t max_prefix = *family == Family::v4 ? 32 : 128;
  if (info.prefix > max_prefix) return malformed("prefix length " + std::to_string(info.prefix));
  return info;
}

Result<RouteInfo> parse_route(Bytes payload) {
  rtmsg rtm;
  if (!read_header(payload, rtm)) return malformed("short route message");
  auto family = family_of(rtm.rtm_family);
  if (!family) return make_error("unsupported", "netlink: route family " + std::to_string(rtm.rtm_family));
  RouteInfo route;
  route.family = *family;
  route.dst_len = rtm.rtm_dst_len;
  route.table = rtm.rtm_table;
  route.type = rtm.rtm_type;
  route.protocol = rtm.rtm_protocol;
  route.flags = rtm.rtm_flags;
  RouteHop single;
  std::optional<Bytes> gateway_bytes;
  bool ok = for_each_attr(payload.subspan(align4(sizeof rtm)), [&](std::uint16_t type, Bytes v) {
    switch (type) {
      case RTA_TABLE: {
        auto table = read_u32(v);
        if (table) route.table = *table;
        return table.has_value();
      }
      case RTA_DST:
        route.dst = read_address(v, *family, 0);
        return route.dst.has_value();
      case RTA_OIF: {
        auto oif = read_u32(v);
        if (oif) single.oif = *oif;
        return oif.has_value();
      }
      case RTA_GATEWAY:
        gateway_bytes = v;  // its scope id is the OIF, which may come later
        return true;
      case RTA_PRIORITY: {
        auto prio = read_u32(v);
        if (prio) route.priority = *prio;
        return prio.has_value();
      }
      case RTA_MULTIPATH:
        return parse_multipath(v, *family, route.hops);
      default:
        return true;
    }
  });
  if (!ok) return malformed("bad attribute in route message");
  if (gateway_bytes) {
    single.gateway = read_address(*gateway_bytes, *family, single.oif);
    if (!single.gateway) return malformed("bad gateway in route message");
  }
  std::uint8_t max_len = *family == Family::v4 ? 32 : 128;
  if (route.dst_len > max_len) return malformed("destination length " + std::to_string(route.dst_len));
  if (route.hops.empty() && (single.oif != 0 || single.gateway)) route.hops.push_back(single);
  return route;
}

}  // namespace p2pd::net
