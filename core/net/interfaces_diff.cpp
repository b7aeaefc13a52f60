#include "core/net/interfaces_diff.hpp"

namespace p2pd::net {
namespace {

const Interface* same_interface(const Snapshot& snap, const Interface& i) {
  const Interface* found = snap.find(i.index);
  return found && found->name == i.name ? found : nullptr;
}

const InterfaceAddress* find_address(const Interface& i, const IpAddress& a) {
  for (const auto& ia : i.addresses) {
    if (ia.address == a) return &ia;
  }
  return nullptr;
}

NetChange iface_event(NetChange::Kind kind, const Interface& i) {
  NetChange c;
  c.kind = kind;
  c.interface = i.name;
  c.index = i.index;
  return c;
}

NetChange address_event(NetChange::Kind kind, const Interface& i, const InterfaceAddress& a) {
  NetChange c = iface_event(kind, i);
  c.address = a;
  c.family = a.address.family;
  return c;
}

void diff_addresses(const Interface& before, const Interface& after, std::vector<NetChange>& out) {
  for (const auto& a : before.addresses) {
    if (!find_address(after, a.address)) out.push_back(address_event(NetChange::Kind::address_removed, after, a));
  }
  for (const auto& a : after.addresses) {
    const InterfaceAddress* old = find_address(before, a.address);
    if (!old) {
      out.push_back(address_event(NetChange::Kind::address_added, after, a));
    } else if (!(*old == a)) {
      out.push_back(address_event(NetChange::Kind::address_changed, after, a));
    }
  }
}

bool same_route(const std::optional<DefaultRoute>& a, const std::optional<DefaultRoute>& b) {
  if (!a || !b) return a.has_value() == b.has_value();
  return a->index == b->index && a->interface == b->interface && a->gateway == b->gateway;
}

}  // namespace

std::string_view to_string(NetChange::Kind kind) {
  switch (kind) {
    case NetChange::Kind::interface_added: return "interface_added";
    case NetChange::Kind::interface_removed: return "interface_removed";
    case NetChange::Kind::interface_up: return "interface_up";
    case NetChange::Kind::interface_down: return "interface_down";
    case NetChange::Kind::address_added: return "address_added";
    case NetChange::Kind::address_removed: return "address_removed";
    case NetChange::Kind::address_changed: return "address_changed";
    case NetChange::Kind::default_route_changed: return "default_route_changed";
  }
  return "unknown";
}

std::vector<NetChange> diff(const Snapshot& before, const Snapshot& after) {
  std::vector<NetChange> out;
  const Interface none;
  for (const auto& old : before.interfaces) {
    if (same_interface(after, old)) continue;
    for (const auto& a : old.addresses) out.push_back(address_event(NetChange::Kind::address_removed, old, a));
    out.push_back(iface_event(NetChange::Kind::interface_removed, old));
  }
  for (const auto& now : after.interfaces) {
    const Interface* old = same_interface(before, now);
    if (!old) {
      out.push_back(iface_event(NetChange::Kind::interface_added, now));
      diff_addresses(none, now, out);
      continue;
    }
    if (old->flags.usable() != now.flags.usable()) {
      out.push_back(iface_event(now.flags.usable() ? NetChange::Kind::interface_up : NetChange::Kind::interface_down, now));
    }
    diff_addresses(*old, now, out);
  }
  for (Family family : {Family::v4, Family::v6}) {
    const auto& b = before.default_route(family);
    const auto& a = after.default_route(family);
    if (same_route(b, a)) continue;
    NetChange c;
    c.kind = NetChange::Kind::default_route_changed;
    c.family = family;
    c.before = b;
    c.after = a;
    const auto& named = a ? a : b;
    c.interface = named->interface;
    c.index = named->index;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace p2pd::net
