#include "core/net/interfaces_json.hpp"

namespace p2pd::net {
namespace {

using nlohmann::json;

// Address text without "%scope": the scope travels as a number beside it.
std::string plain(IpAddress a) {
  a.scope_id = 0;
  return a.to_string();
}

json optional_address(const std::optional<IpAddress>& a) { return a ? json(plain(*a)) : json(nullptr); }

json optional_route(const std::optional<DefaultRoute>& r) { return r ? to_json(*r) : json(nullptr); }

const char* family_name(Family f) { return f == Family::v4 ? "ipv4" : "ipv6"; }

}  // namespace

json to_json(const InterfaceAddress& a) {
  json j = {
      {"address", plain(a.address)},
      {"family", family_name(a.address.family)},
      {"prefix", a.prefix},
      {"scope", std::string(to_string(a.scope))},
  };
  if (a.address.scope_id != 0) j["scope_id"] = a.address.scope_id;
  j["flags"] = {
      {"tentative", a.flags.tentative},
      {"deprecated", a.flags.deprecated},
      {"temporary", a.flags.temporary},
      {"dad_failed", a.flags.dad_failed},
  };
  return j;
}

json to_json(const Interface& i) {
  json addresses = json::array();
  for (const auto& a : i.addresses) addresses.push_back(to_json(a));
  return {
      {"name", i.name},
      {"index", i.index},
      {"mac", i.mac},
      {"mtu", i.mtu},
      {"flags",
       {
           {"up", i.flags.up},
           {"running", i.flags.running},
           {"loopback", i.flags.loopback},
           {"multicast", i.flags.multicast},
           {"point_to_point", i.flags.point_to_point},
       }},
      {"addresses", std::move(addresses)},
      {"is_default_v4", i.is_default_v4},
      {"is_default_v6", i.is_default_v6},
      {"gateway_v4", optional_address(i.gateway_v4)},
      {"gateway_v6", optional_address(i.gateway_v6)},
  };
}

json to_json(const DefaultRoute& r) {
  return {
      {"interface", r.interface},
      {"index", r.index},
      {"gateway", optional_address(r.gateway)},
      {"metric", r.metric},
  };
}

json to_json(const Snapshot& s) {
  json interfaces = json::array();
  for (const auto& i : s.interfaces) interfaces.push_back(to_json(i));
  return {
      {"interfaces", std::move(interfaces)},
      {"default_v4", optional_route(s.default_v4)},
      {"default_v6", optional_route(s.default_v6)},
  };
}

json to_json(const NetChange& c) {
  json j = {
      {"type", std::string(to_string(c.kind))},
      {"interface", c.interface},
      {"index", c.index},
  };
  switch (c.kind) {
    case NetChange::Kind::address_added:
    case NetChange::Kind::address_removed:
    case NetChange::Kind::address_changed:
      j["family"] = family_name(c.family);
      if (c.address) j["address"] = to_json(*c.address);
      break;
    case NetChange::Kind::default_route_changed:
      j["family"] = family_name(c.family);
      j["before"] = optional_route(c.before);
      j["after"] = optional_route(c.after);
      break;
    default:
      break;
  }
  return j;
}

json to_p2pd_json(const Snapshot& s) {
  json out = json::array();
  for (std::size_t n = 0; n < s.interfaces.size(); ++n) {
    const auto& i = s.interfaces[n];
    out.push_back({
        {"netiface_index", n},
        {"name", i.name},
        {"nic_no", i.index},
        {"id", i.name},
        {"mac", i.mac},
        {"is_default", {{"2", i.is_default_v4}, {"10", i.is_default_v6}}},
    });
  }
  return out;
}

}  // namespace p2pd::net
