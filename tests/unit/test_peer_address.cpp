// The peer address codec (core/proto/peer_address): round trips with the NAT fields,
// one canonical spelling, clear errors, and the length budget of docs/API.md.
#include <catch2/catch.hpp>

#include "core/proto/peer_address.hpp"

using namespace p2pd::proto::peer;

namespace {

Key some_key() {
  Key k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(0xa0 ^ (i * 13));
  return k;
}

Ip ip(const char* text) {
  auto r = Ip::parse(text);
  REQUIRE(r);
  return *r;
}

// A dual-stack host behind a port-restricted NAT (IPv4) with global IPv6: what a typical
// daemon publishes on the public brokers.
PeerAddress typical() {
  PeerAddress a;
  a.key = some_key();
  a.ports = {40123};
  a.signaling = {*channel_for_broker("test.mosquitto.org", 1883)};
  Group v4;
  v4.ifindex = 2;
  v4.family = Family::v4;
  v4.nics = {ip("192.168.1.5")};
  v4.external = ip("203.0.113.7");
  v4.nat = NatType::port_restricted_cone;
  v4.delta = Delta{DeltaType::equal, 0};
  Group v6;
  v6.ifindex = 2;
  v6.family = Family::v6;
  v6.nics = {ip("2001:db8:1234:5678::5"), ip("fe80::1c2b:3aff:fe4d:5e6f")};
  v6.external = v6.nics[0];
  v6.nat = NatType::open;
  v6.delta = Delta{DeltaType::not_applicable, 0};
  a.groups = {v4, v6};
  return a;
}

}  // namespace

TEST_CASE("peer address: NAT fields survive a round trip", "[peer_address]") {
  PeerAddress a = typical();
  Group sym;
  sym.ifindex = 7;
  sym.family = Family::v4;
  sym.nics = {ip("10.0.0.2"), ip("172.16.5.9")};
  sym.external = ip("198.51.100.20");
  sym.external_port = 61000;
  sym.nat = NatType::symmetric;
  sym.delta = Delta{DeltaType::independent, -2};
  a.groups.push_back(sym);
  Group pres = sym;
  pres.ifindex = 8;
  pres.nat = NatType::full_cone;
  pres.delta = Delta{DeltaType::preserving, 1000};
  a.groups.push_back(pres);
  Group unmeasured;
  unmeasured.ifindex = 9;
  unmeasured.family = Family::v4;
  unmeasured.nics = {ip("100.64.0.3")};
  a.groups.push_back(unmeasured);  // no external, no delta, type unknown

  REQUIRE(validate(a));
  const std::string text = serialize(a);
  CHECK(text.find("_2,4,192.168.1.5,203.0.113.7,,p,e") != std::string::npos);
  CHECK(text.find("_2,6,2001:db8:1234:5678::5+fe80::1c2b:3aff:fe4d:5e6f,nic,,o,n") != std::string::npos);
  CHECK(text.find("_7,4,10.0.0.2+172.16.5.9,198.51.100.20,61000,s,i-2") != std::string::npos);
  CHECK(text.find("_8,4,10.0.0.2+172.16.5.9,198.51.100.20,61000,c,p1000") != std::string::npos);
  CHECK(text.ends_with("_9,4,100.64.0.3,,,u,"));
  auto back = parse(text);
  REQUIRE(back);
  CHECK(*back == a);
  CHECK(serialize(*back) == text);

  // Every NAT type and delta type has its letter and comes back.
  for (auto t : {NatType::open, NatType::udp_firewall, NatType::blocked, NatType::full_cone, NatType::restricted_cone,
                 NatType::port_restricted_cone, NatType::symmetric, NatType::unknown}) {
    for (auto d : {DeltaType::equal, DeltaType::preserving, DeltaType::independent, DeltaType::dependent,
                   DeltaType::random, DeltaType::not_applicable}) {
      PeerAddress b = typical();
      b.groups[0].nat = t;
      const bool valued = d == DeltaType::preserving || d == DeltaType::independent || d == DeltaType::dependent;
      b.groups[0].delta = Delta{d, valued ? 5 : 0};
      auto r = parse(serialize(b));
      REQUIRE(r);
      CHECK(*r == b);
      CHECK(nat_type_from_name(nat_type_name(t)).value() == t);
      CHECK(delta_type_from_name(delta_type_name(d)).value() == d);
    }
  }
}

TEST_CASE("peer address: a typical dual-stack address stays within the length budget", "[peer_address]") {
  // docs/API.md, "Peer addresses": under 200 characters for a dual-stack host with its
  // NAT results and one public broker.
  const std::string text = serialize(typical());
  INFO(text);
  CHECK(text.size() < 200);
  CHECK(text.size() == 161);  // the documented example's length
}

TEST_CASE("peer address: NAT fields are strict", "[peer_address]") {
  const std::string base = serialize(typical());
  const std::string head = base.substr(0, base.find("_2,4,"));
  auto with = [&](const std::string& group) { return parse(head + "_" + group); };
  CHECK(with("2,4,192.168.1.5,203.0.113.7,,p,e"));
  CHECK(with("2,4,192.168.1.5,nic,,o,n"));
  CHECK(with("2,4,192.168.1.5,,,u,"));

  struct Bad {
    const char* group;
    const char* says;
  };
  for (const Bad& b : {
           Bad{"2,4,192.168.1.5,192.168.1.5,,o,n", "write \"nic\""},
           Bad{"2,4,192.168.1.5,2001:db8::1,,p,e", "is not ipv4"},
           Bad{"2,4,192.168.1.5,203.0.113.7,0,p,e", "external port must be 1-65535"},
           Bad{"2,4,192.168.1.5,203.0.113.7,070,p,e", "leading zero"},
           Bad{"2,4,192.168.1.5,203.0.113.7,,x,e", "NAT type \"x\""},
           Bad{"2,4,192.168.1.5,203.0.113.7,,pp,e", "must be one letter"},
           Bad{"2,4,192.168.1.5,203.0.113.7,,,e", "must be one letter"},
           Bad{"2,4,192.168.1.5,203.0.113.7,,p,e1", "takes no value"},
           Bad{"2,4,192.168.1.5,203.0.113.7,,p,q", "must start with one of"},
           Bad{"2,4,192.168.1.5,203.0.113.7,,p,i-0", "write 0"},
           Bad{"2,4,192.168.1.5,203.0.113.7,,p,i65536", "over 65535"},
           Bad{"2,4,192.168.1.5,203.0.113.7,,p,i", "delta value is empty"},
           Bad{"2,4,192.168.1.5,203.0.113.7,,p", "wants 7"},
       }) {
    auto r = with(b.group);
    INFO(b.group);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "bad_address");
    CHECK_THAT(r.error().message, Catch::Contains(b.says) && Catch::Contains("group 1"));
  }

  // Values the text cannot carry are caught before serializing.
  PeerAddress a = typical();
  a.groups[0].delta = Delta{DeltaType::equal, 3};
  CHECK_FALSE(validate(a));
  a = typical();
  a.groups[0].delta = Delta{DeltaType::random, 0};
  a.groups[0].external_port = 0;
  CHECK_FALSE(validate(a));
}
