#pragma once
// rtnetlink messages as values: bytes in, values out, no sockets. Used by the snapshot
// reader (dump replies) and by NetlinkMonitor (multicast notifications). Every length
// is checked against the buffer; a malformed message is an Error, never a crash.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/net/endpoint.hpp"
#include "core/result.hpp"

namespace p2pd::net {

// One netlink message inside a datagram: its header fields and its payload (the bytes
// after struct nlmsghdr), pointing into the datagram.
struct NetlinkMessage {
  std::uint16_t type = 0;
  std::uint16_t flags = 0;
  std::uint32_t seq = 0;
  std::uint32_t pid = 0;
  std::span<const std::uint8_t> payload;
};

// Splits a received datagram into its messages.
Result<std::vector<NetlinkMessage>> split_messages(std::span<const std::uint8_t> datagram);

// NLMSG_ERROR payload: the (negative) errno the kernel reports, 0 for an ACK.
Result<int> parse_error_code(std::span<const std::uint8_t> payload);

// RTM_NEWLINK / RTM_DELLINK.
struct LinkInfo {
  std::uint32_t index = 0;
  std::string name;
  std::vector<std::uint8_t> hwaddr;   // IFLA_ADDRESS, empty when the link has none
  std::uint32_t flags = 0;            // IFF_*
  std::uint32_t mtu = 0;
};
Result<LinkInfo> parse_link(std::span<const std::uint8_t> payload);

// RTM_NEWADDR / RTM_DELADDR.
struct AddrInfo {
  std::uint32_t index = 0;
  IpAddress address;                  // scope_id = index for IPv6 link-local
  std::uint8_t prefix = 0;
  std::uint32_t flags = 0;            // IFA_F_* (IFA_FLAGS when present)
  std::uint8_t scope = 0;             // RT_SCOPE_*
};
Result<AddrInfo> parse_addr(std::span<const std::uint8_t> payload);

// RTM_NEWROUTE / RTM_DELROUTE. A multipath route has one RouteHop per next hop.
struct RouteHop {
  std::uint32_t oif = 0;
  std::optional<IpAddress> gateway;   // scope_id = oif for IPv6 link-local
  std::uint32_t flags = 0;            // RTNH_F_*
};
struct RouteInfo {
  Family family = Family::v4;
  std::uint8_t dst_len = 0;
  std::optional<IpAddress> dst;
  std::uint32_t table = 0;            // RTA_TABLE when present, else rtm_table
  std::uint8_t type = 0;              // RTN_*
  std::uint8_t protocol = 0;          // RTPROT_*
  std::uint32_t flags = 0;            // RTM_F_* | RTNH_F_*
  std::uint32_t priority = 0;         // the metric
  std::vector<RouteHop> hops;
};
// Routes of other families (AF_MPLS, ...) are Errors with code "unsupported".
Result<RouteInfo> parse_route(std::span<const std::uint8_t> payload);

}  // namespace p2pd::net
