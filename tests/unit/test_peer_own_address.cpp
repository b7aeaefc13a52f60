// own_address: which interfaces and addresses make this daemon's peer address.
#include <catch2/catch.hpp>

#include "core/peer/dial_candidates.hpp"
#include "core/peer/own_address.hpp"
#include "test_interfaces_support.hpp"

using namespace p2pd;
using namespace p2pd::net::testing;

namespace {

proto::peer::Key some_key() {
  proto::peer::Key k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return k;
}

std::vector<std::string> nics_of(const proto::peer::Group& g) {
  std::vector<std::string> out;
  for (const auto& ip : g.nics) out.push_back(ip.to_string());
  return out;
}

}  // namespace

TEST_CASE("own_address: usable interfaces by family, default route first, best addresses first", "[peer][own_address]") {
  net::Snapshot snap;
  auto lo = iface(1, "lo", {address("127.0.0.1", 8), address("::1", 128)});
  lo.flags.loopback = true;
  auto eth0 = iface(2, "eth0", {address("192.168.1.5", 24), address("fe80::1%2", 64), address("2001:db8::5", 64)});
  auto wlan = iface(3, "wlan0", {address("10.0.0.7", 8)});
  wlan.is_default_v4 = true;
  auto down = iface(4, "eth1", {address("172.16.0.1", 12)});
  down.flags.running = false;
  auto tentative = address("2001:db8::6", 64);
  tentative.flags.tentative = true;
  auto deprecated = address("2001:db8::7", 64);
  deprecated.flags.deprecated = true;
  eth0.addresses.push_back(tentative);
  eth0.addresses.insert(eth0.addresses.begin() + 1, deprecated);
  snap.interfaces = {lo, eth0, wlan, down};

  auto a = peer::own_address(some_key(), {4000}, snap);
  CHECK(a.key == some_key());
  CHECK(a.ports == std::vector<std::uint16_t>{4000});
  REQUIRE(a.groups.size() == 3);
  CHECK(a.groups[0].ifindex == 3);  // the default v4 route's interface first
  CHECK(nics_of(a.groups[0]) == std::vector<std::string>{"10.0.0.7"});
  CHECK(a.groups[1].ifindex == 2);
  CHECK(nics_of(a.groups[1]) == std::vector<std::string>{"192.168.1.5"});
  CHECK(a.groups[2].family == proto::peer::Family::v6);
  // Global before link-local, deprecated after the others, tentative left out.
  CHECK(nics_of(a.groups[2]) == std::vector<std::string>{"2001:db8::5", "2001:db8::7", "fe80::1"});

  // It is a valid address: serializes, parses back, and gives dial candidates.
  auto text = proto::peer::serialize(a);
  auto back = proto::peer::parse(text);
  REQUIRE(back);
  CHECK(*back == a);
  auto candidates = peer::direct_candidates(a);
  CHECK_FALSE(candidates.empty());
  for (const auto& c : candidates) CHECK_FALSE(c.remote.address.is_link_local());
}

TEST_CASE("own_address: a host with only loopback has no groups; limits are kept", "[peer][own_address]") {
  net::Snapshot only_lo;
  auto lo = iface(1, "lo", {address("127.0.0.1", 8)});
  lo.flags.loopback = true;
  only_lo.interfaces = {lo};
  auto a = peer::own_address(some_key(), {4000}, only_lo);
  CHECK(a.groups.empty());
  CHECK(proto::peer::parse(proto::peer::serialize(a)));

  net::Snapshot many;
  for (std::uint32_t i = 1; i <= 20; ++i) {
    std::string v4 = "10.0." + std::to_string(i) + ".1";
    auto nic = iface(i + 1, "eth", {});
    for (int k = 1; k <= 6; ++k) nic.addresses.push_back(address(("10." + std::to_string(i) + ".0." + std::to_string(k)).c_str(), 24));
    nic.addresses.push_back(address(v4.c_str(), 24));
    many.interfaces.push_back(nic);
  }
  auto b = peer::own_address(some_key(), {1, 2, 3, 4, 5}, many);
  CHECK(b.ports.size() == proto::peer::kMaxPorts);
  CHECK(b.groups.size() == proto::peer::kMaxGroups);
  for (const auto& g : b.groups) CHECK(g.nics.size() == proto::peer::kMaxNics);
  CHECK(proto::peer::parse(proto::peer::serialize(b)));
}
