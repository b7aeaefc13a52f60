// Address scopes, snapshot assembly, and the live interface list of this machine.
#include <linux/if_addr.h>
#include <net/if.h>

#include <catch2/catch.hpp>

#include "core/net/address_scope.hpp"
#include "core/net/interfaces.hpp"

using namespace p2pd::net;

namespace {

IpAddress ip(const char* text) {
  auto a = IpAddress::parse(text);
  REQUIRE(a);
  return *a;
}

}  // namespace

TEST_CASE("address scope classification", "[net]") {
  struct Row {
    const char* address;
    AddressScope scope;
  };
  const Row table[] = {
      {"127.0.0.1", AddressScope::loopback},
      {"127.255.0.9", AddressScope::loopback},
      {"::1", AddressScope::loopback},
      {"::ffff:127.0.0.1", AddressScope::loopback},
      {"169.254.1.1", AddressScope::link_local},
      {"fe80::1", AddressScope::link_local},
      {"febf::1", AddressScope::link_local},
      {"10.0.0.1", AddressScope::private_net},
      {"10.255.255.255", AddressScope::private_net},
      {"172.16.0.1", AddressScope::private_net},
      {"172.31.255.1", AddressScope::private_net},
      {"192.168.1.20", AddressScope::private_net},
      {"100.64.0.1", AddressScope::private_net},
      {"100.127.255.254", AddressScope::private_net},
      {"fc00::1", AddressScope::private_net},
      {"fd12:3456::1", AddressScope::private_net},
      {"::ffff:192.168.0.1", AddressScope::private_net},
      {"172.15.255.255", AddressScope::global},
      {"172.32.0.1", AddressScope::global},
      {"100.63.255.255", AddressScope::global},
      {"100.128.0.1", AddressScope::global},
      {"192.0.2.1", AddressScope::global},
      {"8.8.8.8", AddressScope::global},
      {"2001:db8::1", AddressScope::global},
      {"2606:4700::1111", AddressScope::global},
      {"fec0::1", AddressScope::global},  // site-local: deprecated (RFC 3879), not ULA
  };
  for (const auto& row : table) {
    INFO(row.address);
    CHECK(classify(ip(row.address)) == row.scope);
  }
  CHECK(to_string(AddressScope::loopback) == "loopback");
  CHECK(to_string(AddressScope::link_local) == "link_local");
  CHECK(to_string(AddressScope::private_net) == "private");
  CHECK(to_string(AddressScope::global) == "global");
}

TEST_CASE("format_mac", "[net]") {
  const std::uint8_t mac[] = {0x02, 0xAB, 0x00, 0x0f, 0x10, 0xff};
  CHECK(format_mac(mac) == "02:ab:00:0f:10:ff");
  CHECK(format_mac({}) == "");
}

TEST_CASE("build_snapshot: flags, address order, IPv6 states", "[net]") {
  LinkInfo eth;
  eth.index = 2;
  eth.name = "eth0";
  eth.flags = IFF_UP | IFF_MULTICAST | IFF_POINTOPOINT;  // up but no carrier
  eth.mtu = 1500;
  LinkInfo dup = eth;
  dup.name = "dup";  // a second entry for index 2 is ignored

  auto addr = [](const char* text, std::uint8_t prefix, std::uint32_t flags = 0) {
    AddrInfo a;
    a.index = 2;
    a.address = ip(text);
    if (a.address.is_link_local() && a.address.family == Family::v6) a.address.scope_id = 2;
    a.prefix = prefix;
    a.flags = flags;
    return a;
  };
  std::vector<AddrInfo> addrs = {
      addr("2001:db8::10", 64, IFA_F_TEMPORARY | IFA_F_DEPRECATED),
      addr("192.168.1.5", 24),
      addr("fe80::10", 64, IFA_F_TENTATIVE),
      addr("100.64.0.7", 10, IFA_F_SECONDARY),  // same bit as IFA_F_TEMPORARY: IPv6 only
      addr("fd00::7", 64, IFA_F_DADFAILED | IFA_F_PERMANENT),
  };
  AddrInfo stray = addr("10.0.0.1", 8);
  stray.index = 77;  // no such link
  addrs.push_back(stray);

  Snapshot snap = build_snapshot({eth, dup}, addrs, {});
  REQUIRE(snap.interfaces.size() == 1);
  const Interface& i = snap.interfaces[0];
  CHECK(i.name == "eth0");
  CHECK(i.mac.empty());
  CHECK(i.flags.up);
  CHECK_FALSE(i.flags.running);
  CHECK_FALSE(i.flags.usable());
  CHECK(i.flags.multicast);
  CHECK(i.flags.point_to_point);
  CHECK_FALSE(i.flags.loopback);

  REQUIRE(i.addresses.size() == 5);
  CHECK(i.addresses[0].address == ip("192.168.1.5"));
  CHECK(i.addresses[1].address == ip("100.64.0.7"));
  CHECK(i.addresses[1].scope == AddressScope::private_net);
  CHECK(i.addresses[2].address == ip("2001:db8::10"));
  CHECK(i.addresses[2].scope == AddressScope::global);
  CHECK(i.addresses[2].flags.temporary);
  CHECK(i.addresses[2].flags.deprecated);
  CHECK_FALSE(i.addresses[2].flags.tentative);
  CHECK(i.addresses[3].scope == AddressScope::link_local);
  CHECK(i.addresses[3].address.scope_id == 2);
  CHECK(i.addresses[3].flags.tentative);
  CHECK(i.addresses[4].flags.dad_failed);
  CHECK(i.addresses[0].flags == AddressFlags{});
  CHECK(i.addresses[1].flags == AddressFlags{});  // an IPv4 secondary address is not "temporary"
  CHECK_FALSE(snap.default_v4);
}

TEST_CASE("read_snapshot finds the loopback interface", "[net]") {
  auto snap = read_snapshot();
  REQUIRE(snap);
  REQUIRE_FALSE(snap->interfaces.empty());

  const Interface* lo = nullptr;
  for (const auto& i : snap->interfaces) {
    if (i.flags.loopback) lo = &i;
    CHECK(i.index > 0);
    CHECK_FALSE(i.name.empty());
    for (const auto& a : i.addresses) {
      if (a.address.family == Family::v6 && a.scope == AddressScope::link_local) {
        CHECK(a.address.scope_id == i.index);
      } else {
        CHECK(a.address.scope_id == 0);
      }
    }
  }
  REQUIRE(lo);
  CHECK(lo->index == if_nametoindex(lo->name.c_str()));
  CHECK(lo->flags.up);

  const InterfaceAddress* v4 = nullptr;
  const InterfaceAddress* v6 = nullptr;
  for (const auto& a : lo->addresses) {
    if (a.address == ip("127.0.0.1")) v4 = &a;
    if (a.address == ip("::1")) v6 = &a;
  }
  REQUIRE(v4);
  CHECK(v4->prefix == 8);
  CHECK(v4->scope == AddressScope::loopback);
  if (v6) {
    CHECK(v6->prefix == 128);
    CHECK(v6->scope == AddressScope::loopback);
  } else {
    WARN("no ::1 on the loopback interface (IPv6 disabled?)");
  }
  // The same interface is found by name and by index.
  CHECK(snap->find(lo->name) == lo);
  CHECK(snap->find(lo->index) == lo);
  CHECK(snap->find("no-such-interface") == nullptr);

  // Default routes point at interfaces of the snapshot.
  for (Family f : {Family::v4, Family::v6}) {
    const auto& d = snap->default_route(f);
    if (!d) continue;
    const Interface* carrier = snap->find(d->index);
    REQUIRE(carrier);
    CHECK(carrier->name == d->interface);
    CHECK((f == Family::v4 ? carrier->is_default_v4 : carrier->is_default_v6));
  }
}
