#pragma once
// JSON views of interface snapshots and changes, in the shapes of API.md:
// GET /v1/interfaces (to_json(Snapshot)), GET /ifs (to_p2pd_json), /v1/events
// (to_json(NetChange)). The rpc layer adds "error" and the per-route extras.
#include <nlohmann/json.hpp>

#include "core/net/interfaces.hpp"
#include "core/net/interfaces_diff.hpp"

namespace p2pd::net {

// {"address","family":"ipv4"|"ipv6","prefix","scope","scope_id"?(IPv6 link-local),
//  "flags":{"tentative","deprecated","temporary","dad_failed"}}
nlohmann::json to_json(const InterfaceAddress& address);

// {"name","index","mac","mtu","flags":{"up","running","loopback","multicast",
//  "point_to_point"},"addresses":[...],"is_default_v4","is_default_v6",
//  "gateway_v4","gateway_v6"}; gateways are strings or null.
nlohmann::json to_json(const Interface& iface);

// {"interface","index","gateway":string|null,"metric"}
nlohmann::json to_json(const DefaultRoute& route);

// {"interfaces":[...],"default_v4":route|null,"default_v6":route|null}
nlohmann::json to_json(const Snapshot& snapshot);

// {"type":"address_added",...,"interface","index"} plus "address" (address events),
// "family" (address and route events), "before"/"after" (default_route_changed).
nlohmann::json to_json(const NetChange& change);

// P2PD's interface dicts for GET /ifs, the parts known without STUN:
// [{"netiface_index","name","nic_no","id","mac","is_default":{"2":bool,"10":bool}}]
// ("2"/"10" are AF_INET/AF_INET6, as P2PD keys them). The caller adds "nat" and "rp".
nlohmann::json to_p2pd_json(const Snapshot& snapshot);

}  // namespace p2pd::net
