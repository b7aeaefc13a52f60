#pragma once
// What changed between two snapshots, as small events the daemon announces
// (GET /v1/events) and reacts to (re-test NAT, rebind listeners).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/net/interfaces.hpp"

namespace p2pd::net {

struct NetChange {
  enum class Kind {
    interface_added,
    interface_removed,
    interface_up,          // became up and running (InterfaceFlags::usable)
    interface_down,        // stopped being up and running
    address_added,
    address_removed,
    address_changed,       // same address, new prefix or flags (DAD finished, deprecated)
    default_route_changed, // other interface or gateway, appeared or disappeared
  };
  Kind kind = Kind::interface_added;
  std::string interface;                  // name; for a default route the new one's, else the old one's
  std::uint32_t index = 0;
  std::optional<InterfaceAddress> address;  // address_*: the new state (removed: the old)
  Family family = Family::v4;               // address_* and default_route_changed
  std::optional<DefaultRoute> before;       // default_route_changed
  std::optional<DefaultRoute> after;
  friend bool operator==(const NetChange&, const NetChange&) = default;
};

std::string_view to_string(NetChange::Kind kind);  // "interface_added", ...

// Interfaces are matched by index and name (a rename is a removal and an addition);
// addresses by address and scope id. A removed interface first lists its addresses as
// removed, an added one lists its addresses as added. Order: removals, then changes
// and additions by interface index, then default routes (v4, v6).
std::vector<NetChange> diff(const Snapshot& before, const Snapshot& after);

}  // namespace p2pd::net
