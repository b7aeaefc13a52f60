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

TEST_CASE("own_address: a host with only loopback has no groups, limits are kept", "[peer][own_address]") {
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

namespace {

traverse::NatResult nat_result(const char* interface, net::Family family, const char* local, traverse::NatType type,
                               traverse::DeltaType delta, int value, const char* external, bool confirmed = true) {
  traverse::NatResult r;
  r.interface = interface;
  r.family = family;
  r.local = net::Endpoint::parse(local).value();
  r.type = type;
  r.delta = delta;
  r.delta_value = value;
  if (external) r.external = net::IpAddress::parse(external).value();
  r.confirmed = confirmed;
  r.nat = true;
  return r;
}

}  // namespace

TEST_CASE("own_address: groups carry the NAT classifier's results for their interface and family", "[peer][own_address]") {
  using traverse::DeltaType;
  using traverse::NatType;
  net::Snapshot snap;
  auto eth0 = iface(2, "eth0", {address("192.168.1.5", 24), address("2001:db8::5", 64)});
  eth0.is_default_v4 = true;
  auto wlan = iface(3, "wlan0", {address("10.0.0.7", 8)});
  auto wwan = iface(4, "wwan0", {address("100.64.9.9", 10)});
  auto eth1 = iface(5, "eth1", {address("172.16.0.2", 12)});
  snap.interfaces = {eth0, wlan, wwan, eth1};
  const std::vector<traverse::NatResult> nat = {
      nat_result("eth0", net::Family::v4, "192.168.1.5:41000", NatType::port_restricted_cone, DeltaType::equal, 0,
                 "203.0.113.7"),
      nat_result("eth0", net::Family::v6, "[2001:db8::5]:41001", NatType::open, DeltaType::not_applicable, 0,
                 "2001:db8::5"),
      // preserving: the node port's mapping is the port plus the value
      nat_result("wlan0", net::Family::v4, "10.0.0.7:41002", NatType::full_cone, DeltaType::preserving, 7,
                 "198.51.100.3"),
      // symmetric with an unconfirmed external address: type and delta, no address
      nat_result("wwan0", net::Family::v4, "100.64.9.9:41003", NatType::symmetric, DeltaType::independent, 2,
                 "198.51.100.4", false),
      // stale: eth1 has another address now
      nat_result("eth1", net::Family::v4, "172.16.0.1:41004", NatType::full_cone, DeltaType::equal, 0, "198.51.100.5"),
  };
  auto a = peer::own_address(some_key(), {4000}, snap, {}, nat);
  REQUIRE(a.groups.size() == 5);
  const auto& g0 = a.groups[0];  // eth0 v4
  CHECK(g0.ifindex == 2);
  CHECK(g0.nat == proto::peer::NatType::port_restricted_cone);
  REQUIRE(g0.external);
  CHECK(g0.external->to_string() == "203.0.113.7");
  CHECK_FALSE(g0.external_port);  // equal: the node port itself
  CHECK(g0.delta == proto::peer::Delta{proto::peer::DeltaType::equal, 0});
  const auto& g1 = a.groups[1];  // wlan0
  CHECK(g1.ifindex == 3);
  CHECK(g1.nat == proto::peer::NatType::full_cone);
  CHECK(g1.external_port == std::optional<std::uint16_t>(4007));
  CHECK(g1.delta == proto::peer::Delta{proto::peer::DeltaType::preserving, 7});
  const auto& g2 = a.groups[2];  // wwan0
  CHECK(g2.nat == proto::peer::NatType::symmetric);
  CHECK_FALSE(g2.external);
  CHECK(g2.delta == proto::peer::Delta{proto::peer::DeltaType::independent, 2});
  const auto& g3 = a.groups[3];  // eth1: the stale result is not used
  CHECK(g3.ifindex == 5);
  CHECK(g3.nat == proto::peer::NatType::unknown);
  CHECK_FALSE(g3.external);
  CHECK_FALSE(g3.delta);
  const auto& g4 = a.groups[4];  // eth0 v6: no NAT, external is the NIC address
  CHECK(g4.family == proto::peer::Family::v6);
  CHECK(g4.nat == proto::peer::NatType::open);
  CHECK(g4.external == std::optional(g4.nics[0]));

  const auto text = proto::peer::serialize(a);
  CHECK(text.find("_2,4,192.168.1.5,203.0.113.7,,p,e") != std::string::npos);
  CHECK(text.find("_3,4,10.0.0.7,198.51.100.3,4007,c,p7") != std::string::npos);
  CHECK(text.find("_4,4,100.64.9.9,,,s,i2") != std::string::npos);
  CHECK(text.find("_5,4,172.16.0.2,,,u,") != std::string::npos);
  CHECK(text.find("_2,6,2001:db8::5,nic,,o,n") != std::string::npos);
  auto back = proto::peer::parse(text);
  REQUIRE(back);
  CHECK(*back == a);
  // External candidates now join the NIC ones for dialers.
  bool external = false;
  for (const auto& c : peer::direct_candidates(a)) external |= c.remote.address.to_string() == "203.0.113.7";
  CHECK(external);
}
