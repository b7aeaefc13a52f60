// diff(old, new) on hand-made snapshots.
#include <catch2/catch.hpp>

#include "core/net/interfaces_diff.hpp"
#include "test_interfaces_support.hpp"

using namespace p2pd::net;
using namespace p2pd::net::testing;
using Kind = NetChange::Kind;

namespace {

Snapshot base() {
  Snapshot s;
  s.interfaces.push_back(iface(1, "lo", {address("127.0.0.1", 8)}));
  s.interfaces.push_back(iface(2, "eth0", {address("192.168.1.5", 24), address("2001:db8::5", 64)}));
  s.default_v4 = DefaultRoute{2, "eth0", ip("192.168.1.1"), 100};
  return s;
}

std::vector<Kind> kinds(const std::vector<NetChange>& changes) {
  std::vector<Kind> out;
  for (const auto& c : changes) out.push_back(c.kind);
  return out;
}

}  // namespace

TEST_CASE("diff of equal snapshots is empty", "[net]") {
  CHECK(diff(base(), base()).empty());
  CHECK(diff(Snapshot{}, Snapshot{}).empty());
}

TEST_CASE("diff: interface added and removed, with their addresses", "[net]") {
  Snapshot after = base();
  after.interfaces.push_back(iface(5, "wg0", {address("10.8.0.2", 24)}));
  auto added = diff(base(), after);
  REQUIRE(kinds(added) == std::vector<Kind>{Kind::interface_added, Kind::address_added});
  CHECK(added[0].interface == "wg0");
  CHECK(added[0].index == 5);
  REQUIRE(added[1].address);
  CHECK(added[1].address->address == ip("10.8.0.2"));
  CHECK(added[1].family == Family::v4);

  auto removed = diff(after, base());
  REQUIRE(kinds(removed) == std::vector<Kind>{Kind::address_removed, Kind::interface_removed});
  CHECK(removed[1].interface == "wg0");
}

TEST_CASE("diff: a renamed interface is removed and added", "[net]") {
  Snapshot after = base();
  after.interfaces[1].name = "lan0";
  auto changes = diff(base(), after);
  auto k = kinds(changes);
  REQUIRE(k.size() == 6);
  CHECK(k[2] == Kind::interface_removed);
  CHECK(changes[2].interface == "eth0");
  CHECK(k[3] == Kind::interface_added);
  CHECK(changes[3].interface == "lan0");
  CHECK(k[5] == Kind::address_added);
}

TEST_CASE("diff: up and down follow 'up and running'", "[net]") {
  Snapshot after = base();
  after.interfaces[1].flags.running = false;  // cable pulled
  auto down = diff(base(), after);
  REQUIRE(kinds(down) == std::vector<Kind>{Kind::interface_down});
  CHECK(down[0].interface == "eth0");

  auto up = diff(after, base());
  REQUIRE(kinds(up) == std::vector<Kind>{Kind::interface_up});

  Snapshot mtu = base();
  mtu.interfaces[1].mtu = 9000;  // not an event
  CHECK(diff(base(), mtu).empty());
}

TEST_CASE("diff: addresses added, removed and changed", "[net]") {
  Snapshot after = base();
  auto& eth = after.interfaces[1];
  eth.addresses.erase(eth.addresses.begin());           // 192.168.1.5 gone
  eth.addresses.push_back(address("192.168.1.6", 24));  // new lease
  eth.addresses[0].flags.deprecated = true;             // 2001:db8::5 deprecated
  auto changes = diff(base(), after);
  REQUIRE(kinds(changes) == std::vector<Kind>{Kind::address_removed, Kind::address_changed, Kind::address_added});
  CHECK(changes[0].address->address == ip("192.168.1.5"));
  CHECK(changes[1].address->flags.deprecated);
  CHECK(changes[1].family == Family::v6);
  CHECK(changes[2].address->address == ip("192.168.1.6"));

  SECTION("a scope id makes a different address") {
    Snapshot a = base(), b = base();
    auto ll = address("fe80::1", 64);
    ll.address.scope_id = 2;
    a.interfaces[1].addresses.push_back(ll);
    ll.address.scope_id = 3;
    b.interfaces[1].addresses.push_back(ll);
    CHECK(kinds(diff(a, b)) == std::vector<Kind>{Kind::address_removed, Kind::address_added});
  }
}

TEST_CASE("diff: default route changes", "[net]") {
  SECTION("new gateway") {
    Snapshot after = base();
    after.default_v4->gateway = ip("192.168.1.254");
    auto changes = diff(base(), after);
    REQUIRE(kinds(changes) == std::vector<Kind>{Kind::default_route_changed});
    CHECK(changes[0].family == Family::v4);
    CHECK(changes[0].interface == "eth0");
    CHECK(changes[0].before->gateway == ip("192.168.1.1"));
    CHECK(changes[0].after->gateway == ip("192.168.1.254"));
  }
  SECTION("a metric change alone is not an event") {
    Snapshot after = base();
    after.default_v4->metric = 600;
    CHECK(diff(base(), after).empty());
  }
  SECTION("lost and found") {
    Snapshot after = base();
    after.default_v4.reset();
    auto lost = diff(base(), after);
    REQUIRE(kinds(lost) == std::vector<Kind>{Kind::default_route_changed});
    CHECK(lost[0].interface == "eth0");  // named after the route that went away
    CHECK_FALSE(lost[0].after);

    after.default_v6 = DefaultRoute{1, "lo", std::nullopt, 0};
    auto v6 = diff(base(), after);
    REQUIRE(v6.size() == 2);
    CHECK(v6[1].family == Family::v6);
    CHECK(v6[1].interface == "lo");
    CHECK_FALSE(v6[1].before);
  }
}
