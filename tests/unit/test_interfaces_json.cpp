// JSON shapes of GET /v1/interfaces, GET /ifs and interface events.
#include <catch2/catch.hpp>

#include "core/net/interfaces_json.hpp"

using namespace p2pd::net;
using nlohmann::json;

namespace {

IpAddress ip(const char* text) {
  auto a = IpAddress::parse(text);
  REQUIRE(a);
  return *a;
}

InterfaceAddress address(const char* text, std::uint8_t prefix, std::uint32_t scope_id = 0) {
  InterfaceAddress a;
  a.address = ip(text);
  a.address.scope_id = scope_id;
  a.prefix = prefix;
  a.scope = classify(a.address);
  return a;
}

Snapshot sample() {
  Snapshot s;
  Interface lo;
  lo.name = "lo";
  lo.index = 1;
  lo.mac = "00:00:00:00:00:00";
  lo.mtu = 65536;
  lo.flags = {true, true, true, false, false};
  lo.addresses = {address("127.0.0.1", 8), address("::1", 128)};
  Interface eth;
  eth.name = "eth0";
  eth.index = 2;
  eth.mac = "02:fc:00:00:00:01";
  eth.mtu = 1500;
  eth.flags = {true, true, false, true, false};
  auto ll = address("fe80::fc:ff:fe00:1", 64, 2);
  ll.flags.tentative = true;
  eth.addresses = {address("192.168.1.5", 24), ll};
  eth.is_default_v4 = true;
  eth.gateway_v4 = ip("192.168.1.1");
  s.interfaces = {lo, eth};
  s.default_v4 = DefaultRoute{2, "eth0", ip("192.168.1.1"), 100};
  return s;
}

}  // namespace

TEST_CASE("snapshot JSON: GET /v1/interfaces shape", "[net]") {
  json j = to_json(sample());
  REQUIRE(j["interfaces"].is_array());
  REQUIRE(j["interfaces"].size() == 2);

  const json& eth = j["interfaces"][1];
  CHECK(eth["name"] == "eth0");
  CHECK(eth["index"] == 2);
  CHECK(eth["mac"] == "02:fc:00:00:00:01");
  CHECK(eth["mtu"] == 1500);
  CHECK(eth["flags"] == json{{"up", true}, {"running", true}, {"loopback", false}, {"multicast", true}, {"point_to_point", false}});
  CHECK(eth["is_default_v4"] == true);
  CHECK(eth["is_default_v6"] == false);
  CHECK(eth["gateway_v4"] == "192.168.1.1");
  CHECK(eth["gateway_v6"].is_null());

  REQUIRE(eth["addresses"].size() == 2);
  const json& v4 = eth["addresses"][0];
  CHECK(v4["address"] == "192.168.1.5");
  CHECK(v4["family"] == "ipv4");
  CHECK(v4["prefix"] == 24);
  CHECK(v4["scope"] == "private");
  CHECK_FALSE(v4.contains("scope_id"));
  CHECK(v4["flags"]["tentative"] == false);

  const json& ll = eth["addresses"][1];
  CHECK(ll["address"] == "fe80::fc:ff:fe00:1");  // no %ifname: the scope is a number beside it
  CHECK(ll["family"] == "ipv6");
  CHECK(ll["scope"] == "link_local");
  CHECK(ll["scope_id"] == 2);
  CHECK(ll["flags"] == json{{"tentative", true}, {"deprecated", false}, {"temporary", false}, {"dad_failed", false}});

  const json& lo = j["interfaces"][0];
  CHECK(lo["addresses"][0]["scope"] == "loopback");
  CHECK(lo["addresses"][1]["address"] == "::1");
  CHECK(lo["flags"]["loopback"] == true);

  CHECK(j["default_v4"] == json{{"interface", "eth0"}, {"index", 2}, {"gateway", "192.168.1.1"}, {"metric", 100}});
  CHECK(j["default_v6"].is_null());

  SECTION("a default route without gateway, a link-local gateway") {
    Snapshot s = sample();
    s.default_v6 = DefaultRoute{2, "eth0", ip("fe80::1"), 1024};
    s.default_v6->gateway->scope_id = 2;
    s.default_v4->gateway.reset();
    json k = to_json(s);
    CHECK(k["default_v4"]["gateway"].is_null());
    CHECK(k["default_v6"]["gateway"] == "fe80::1");
  }
  SECTION("empty snapshot") {
    json e = to_json(Snapshot{});
    CHECK(e["interfaces"] == json::array());
    CHECK(e["default_v4"].is_null());
  }
}

TEST_CASE("snapshot JSON: P2PD /ifs entries", "[net]") {
  json j = to_p2pd_json(sample());
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 2);
  CHECK(j[1]["netiface_index"] == 1);
  CHECK(j[1]["name"] == "eth0");
  CHECK(j[1]["id"] == "eth0");
  CHECK(j[1]["nic_no"] == 2);
  CHECK(j[1]["mac"] == "02:fc:00:00:00:01");
  CHECK(j[1]["is_default"] == json{{"2", true}, {"10", false}});
}

TEST_CASE("change JSON: events", "[net]") {
  Snapshot after = sample();
  after.interfaces[1].addresses.push_back(address("2001:db8::5", 64));
  after.interfaces[1].flags.running = false;
  after.default_v4.reset();
  auto changes = diff(sample(), after);
  REQUIRE(changes.size() == 3);

  json down = to_json(changes[0]);
  CHECK(down == json{{"type", "interface_down"}, {"interface", "eth0"}, {"index", 2}});

  json added = to_json(changes[1]);
  CHECK(added["type"] == "address_added");
  CHECK(added["family"] == "ipv6");
  CHECK(added["address"]["address"] == "2001:db8::5");
  CHECK(added["address"]["scope"] == "global");

  json route = to_json(changes[2]);
  CHECK(route["type"] == "default_route_changed");
  CHECK(route["family"] == "ipv4");
  CHECK(route["before"]["gateway"] == "192.168.1.1");
  CHECK(route["after"].is_null());
}
