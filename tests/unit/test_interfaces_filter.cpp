// node.interfaces.include / exclude glob patterns.
#include <catch2/catch.hpp>

#include "core/net/interface_filter.hpp"

using namespace p2pd::net;

namespace {

Snapshot three_interfaces() {
  Snapshot s;
  for (auto [index, name] : {std::pair{1u, "lo"}, std::pair{2u, "eth0"}, std::pair{3u, "wlan0"}}) {
    Interface i;
    i.index = index;
    i.name = name;
    s.interfaces.push_back(i);
  }
  s.default_v4 = DefaultRoute{3, "wlan0", std::nullopt, 0};
  s.default_v6 = DefaultRoute{2, "eth0", std::nullopt, 0};
  return s;
}

}  // namespace

TEST_CASE("interface filter: include and exclude globs", "[net]") {
  InterfaceFilter all;
  CHECK(all.allows("eth0"));
  CHECK(all.allows("lo"));

  InterfaceFilter only_eth{{"eth*", "en*"}, {}};
  CHECK(only_eth.allows("eth0"));
  CHECK(only_eth.allows("enp3s0"));
  CHECK_FALSE(only_eth.allows("wlan0"));
  CHECK_FALSE(only_eth.allows("lo"));

  InterfaceFilter no_virtual{{}, {"veth*", "docker?", "br-[0-9a-f]*"}};
  CHECK(no_virtual.allows("eth0"));
  CHECK_FALSE(no_virtual.allows("veth12ab"));
  CHECK_FALSE(no_virtual.allows("docker0"));
  CHECK(no_virtual.allows("docker10"));  // '?' is one character
  CHECK_FALSE(no_virtual.allows("br-4f2a"));
  CHECK(no_virtual.allows("br0"));

  InterfaceFilter both{{"e*"}, {"eth1"}};
  CHECK(both.allows("eth0"));
  CHECK_FALSE(both.allows("eth1"));  // exclude wins over include

  InterfaceFilter exact{{"lo"}, {}};
  CHECK(exact.allows("lo"));
  CHECK_FALSE(exact.allows("lo0"));
}

TEST_CASE("apply_filter drops interfaces and their default routes", "[net]") {
  Snapshot s = apply_filter(InterfaceFilter{{}, {"wlan*"}}, three_interfaces());
  REQUIRE(s.interfaces.size() == 2);
  CHECK(s.find("wlan0") == nullptr);
  CHECK_FALSE(s.default_v4);          // it went through wlan0
  REQUIRE(s.default_v6);
  CHECK(s.default_v6->interface == "eth0");

  Snapshot none = apply_filter(InterfaceFilter{{"nothing*"}, {}}, three_interfaces());
  CHECK(none.interfaces.empty());
  CHECK_FALSE(none.default_v6);

  Snapshot same = apply_filter(InterfaceFilter{}, three_interfaces());
  CHECK(same == three_interfaces());
}
