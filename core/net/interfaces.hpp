#pragma once
// The machine's network interfaces, their addresses and default routes, as one value:
// a Snapshot. read_snapshot() takes one (a few rtnetlink dumps: fast syscalls, fine on
// the loop thread); build_snapshot() assembles one from parsed messages (pure).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/net/address_scope.hpp"
#include "core/net/endpoint.hpp"
#include "core/net/netlink_message.hpp"
#include "core/net/routes.hpp"
#include "core/result.hpp"

namespace p2pd::net {

struct InterfaceFlags {
  bool up = false;              // administratively up (IFF_UP)
  bool running = false;         // carrier / operational (IFF_RUNNING)
  bool loopback = false;
  bool multicast = false;
  bool point_to_point = false;
  bool usable() const { return up && running; }
  friend bool operator==(const InterfaceFlags&, const InterfaceFlags&) = default;
};

// IPv6 address states from the kernel (IFA_F_*); all false for IPv4.
struct AddressFlags {
  bool tentative = false;       // duplicate address detection still running: not bindable yet
  bool deprecated = false;      // preferred lifetime over: keep, but do not pick for new flows
  bool temporary = false;       // RFC 8981 privacy address
  bool dad_failed = false;      // another host has it: unusable
  friend bool operator==(const AddressFlags&, const AddressFlags&) = default;
};

struct InterfaceAddress {
  IpAddress address;            // scope_id = interface index for IPv6 link-local
  std::uint8_t prefix = 0;
  AddressScope scope = AddressScope::global;
  AddressFlags flags;
  friend bool operator==(const InterfaceAddress&, const InterfaceAddress&) = default;
};

struct Interface {
  std::string name;
  std::uint32_t index = 0;
  std::string mac;              // "02:00:5e:10:00:01"; empty when the link has none
  InterfaceFlags flags;
  std::uint32_t mtu = 0;
  std::vector<InterfaceAddress> addresses;  // IPv4 first, kernel order within a family
  // This interface carries the chosen default route of the family.
  bool is_default_v4 = false;
  bool is_default_v6 = false;
  // Gateway of this interface's own best default route, even when another
  // interface's route wins (two uplinks).
  std::optional<IpAddress> gateway_v4;
  std::optional<IpAddress> gateway_v6;
  friend bool operator==(const Interface&, const Interface&) = default;
};

struct Snapshot {
  std::vector<Interface> interfaces;     // ordered by index
  std::optional<DefaultRoute> default_v4;  // the route the kernel picks (lowest metric)
  std::optional<DefaultRoute> default_v6;

  const Interface* find(std::string_view name) const;
  const Interface* find(std::uint32_t index) const;
  const std::optional<DefaultRoute>& default_route(Family family) const {
    return family == Family::v4 ? default_v4 : default_v6;
  }
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

// "aa:bb:cc:dd:ee:ff" (any length); empty input gives "".
std::string format_mac(std::span<const std::uint8_t> hwaddr);

// Assembles a snapshot from dump results. Addresses and routes naming an index that is
// not among `links` are dropped.
Snapshot build_snapshot(const std::vector<LinkInfo>& links, const std::vector<AddrInfo>& addrs,
                        const std::vector<RouteInfo>& routes);

// Reads the current state from the kernel (RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE
// dumps on one NETLINK_ROUTE socket). A dump the kernel reports as inconsistent is
// retried a few times.
Result<Snapshot> read_snapshot();

}  // namespace p2pd::net
