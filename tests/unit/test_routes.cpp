// Default route selection from parsed routes, and how build_snapshot applies it.
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <catch2/catch.hpp>

#include "core/net/interfaces.hpp"
#include "core/net/routes.hpp"

using namespace p2pd::net;

namespace {

IpAddress ip(const char* text) {
  auto a = IpAddress::parse(text);
  REQUIRE(a);
  return *a;
}

RouteInfo route(Family family, std::uint32_t oif, const char* gateway, std::uint32_t metric = 0) {
  RouteInfo r;
  r.family = family;
  r.dst_len = 0;
  r.table = RT_TABLE_MAIN;
  r.type = RTN_UNICAST;
  r.priority = metric;
  RouteHop hop;
  hop.oif = oif;
  if (gateway) hop.gateway = ip(gateway);
  r.hops.push_back(hop);
  return r;
}

LinkInfo link(std::uint32_t index, const char* name) {
  LinkInfo l;
  l.index = index;
  l.name = name;
  l.flags = IFF_UP | IFF_RUNNING;
  return l;
}

}  // namespace

TEST_CASE("default_routes keeps usable main-table defaults, best first", "[net]") {
  std::vector<RouteInfo> routes;
  routes.push_back(route(Family::v4, 3, "198.51.100.1", 600));  // wifi
  routes.push_back(route(Family::v4, 2, "192.0.2.1", 100));     // ethernet wins
  routes.push_back(route(Family::v6, 2, "fe80::1", 1024));

  auto not_default = route(Family::v4, 2, "192.0.2.254");
  not_default.dst_len = 24;
  routes.push_back(not_default);
  auto other_table = route(Family::v4, 4, "203.0.113.1");
  other_table.table = 100;
  routes.push_back(other_table);
  auto unreachable = route(Family::v4, 5, nullptr);
  unreachable.type = RTN_UNREACHABLE;
  routes.push_back(unreachable);
  auto linkdown = route(Family::v4, 6, "10.0.0.1");
  linkdown.flags = RTNH_F_LINKDOWN;
  routes.push_back(linkdown);
  auto dead_hop = route(Family::v4, 7, "10.0.1.1");
  dead_hop.hops[0].flags = RTNH_F_DEAD;
  routes.push_back(dead_hop);
  auto cloned = route(Family::v4, 8, "10.0.2.1");
  cloned.flags = RTM_F_CLONED;
  routes.push_back(cloned);

  auto v4 = default_routes(routes, Family::v4);
  REQUIRE(v4.size() == 2);
  CHECK(v4[0].index == 2);
  CHECK(v4[0].metric == 100);
  CHECK(v4[0].gateway == ip("192.0.2.1"));
  CHECK(v4[1].index == 3);

  auto v6 = default_routes(routes, Family::v6);
  REQUIRE(v6.size() == 1);
  CHECK(v6[0].gateway->scope_id == 0);  // built by hand: parse_route would set it to the OIF

  SECTION("equal metrics: the lower interface index first") {
    std::vector<RouteInfo> tie = {route(Family::v4, 9, "10.9.0.1", 5), route(Family::v4, 4, "10.4.0.1", 5)};
    auto out = default_routes(tie, Family::v4);
    REQUIRE(out.size() == 2);
    CHECK(out[0].index == 4);
  }
  SECTION("a multipath route gives one entry per hop") {
    RouteInfo multi = route(Family::v4, 2, "192.0.2.1", 10);
    RouteHop second;
    second.oif = 3;
    second.gateway = ip("198.51.100.1");
    multi.hops.push_back(second);
    auto out = default_routes({multi}, Family::v4);
    REQUIRE(out.size() == 2);
    CHECK(out[1].index == 3);
  }
}

TEST_CASE("build_snapshot marks the default interface and each interface's gateway", "[net]") {
  std::vector<LinkInfo> links = {link(1, "lo"), link(2, "eth0"), link(3, "wlan0"), link(4, "wg0")};
  std::vector<RouteInfo> routes = {
      route(Family::v4, 3, "198.51.100.1", 600),
      route(Family::v4, 2, "192.0.2.1", 100),
      route(Family::v4, 2, "192.0.2.2", 200),  // a worse second route on eth0
      route(Family::v6, 4, nullptr, 50),       // a tunnel: no gateway
      route(Family::v4, 99, "10.0.0.1", 1),    // an interface the link dump did not list
  };
  Snapshot snap = build_snapshot(links, {}, routes);

  REQUIRE(snap.default_v4);
  CHECK(snap.default_v4->interface == "eth0");
  CHECK(snap.default_v4->index == 2);
  CHECK(*snap.default_v4->gateway == ip("192.0.2.1"));

  const Interface* eth0 = snap.find("eth0");
  const Interface* wlan0 = snap.find("wlan0");
  const Interface* wg0 = snap.find("wg0");
  REQUIRE((eth0 && wlan0 && wg0));
  CHECK(eth0->is_default_v4);
  CHECK(*eth0->gateway_v4 == ip("192.0.2.1"));
  CHECK_FALSE(wlan0->is_default_v4);
  REQUIRE(wlan0->gateway_v4);
  CHECK(*wlan0->gateway_v4 == ip("198.51.100.1"));

  REQUIRE(snap.default_v6);
  CHECK(snap.default_v6->interface == "wg0");
  CHECK_FALSE(snap.default_v6->gateway);
  CHECK(wg0->is_default_v6);
  CHECK_FALSE(wg0->gateway_v6);
  CHECK_FALSE(eth0->is_default_v6);

  SECTION("no default route at all") {
    Snapshot none = build_snapshot(links, {}, {});
    CHECK_FALSE(none.default_v4);
    CHECK_FALSE(none.default_v6);
    CHECK_FALSE(none.find("eth0")->is_default_v4);
  }
}
