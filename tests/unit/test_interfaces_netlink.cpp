// rtnetlink parsers: hand-built messages (every field and the malformed cases) and a
// dump recorded on a real machine (tests/unit/data/netlink_*.hex).
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/net/interfaces.hpp"
#include "core/net/netlink_message.hpp"

using namespace p2pd::net;

namespace {

using Bytes = std::vector<std::uint8_t>;

// Builds a message payload: a fixed header, then attributes, each padded to 4 bytes.
struct Builder {
  Bytes bytes;
  void pad() {
    while (bytes.size() % 4) bytes.push_back(0);
  }
  template <class T>
  Builder& header(const T& h) {
    auto p = reinterpret_cast<const std::uint8_t*>(&h);
    bytes.insert(bytes.end(), p, p + sizeof h);
    pad();
    return *this;
  }
  Builder& attr(std::uint16_t type, const void* data, std::size_t n) {
    rtattr a{static_cast<unsigned short>(sizeof(rtattr) + n), type};
    header(a);
    auto p = static_cast<const std::uint8_t*>(data);
    bytes.insert(bytes.end(), p, p + n);
    pad();
    return *this;
  }
  Builder& u32(std::uint16_t type, std::uint32_t v) { return attr(type, &v, 4); }
  Builder& str(std::uint16_t type, const std::string& s) { return attr(type, s.c_str(), s.size() + 1); }
  Builder& ip(std::uint16_t type, const char* text) {
    auto a = IpAddress::parse(text);
    REQUIRE(a);
    return attr(type, a->bytes, a->family == Family::v4 ? 4 : 16);
  }
  // The payload wrapped in a struct nlmsghdr.
  Bytes message(std::uint16_t type, std::uint16_t flags = 0, std::uint32_t seq = 0) const {
    nlmsghdr h{static_cast<std::uint32_t>(NLMSG_HDRLEN + bytes.size()), type, flags, seq, 0};
    Bytes out(reinterpret_cast<const std::uint8_t*>(&h), reinterpret_cast<const std::uint8_t*>(&h) + sizeof h);
    out.insert(out.end(), bytes.begin(), bytes.end());
    return out;
  }
};

ifinfomsg link_header(int index, unsigned flags) {
  ifinfomsg m{};
  m.ifi_family = AF_UNSPEC;
  m.ifi_index = index;
  m.ifi_flags = flags;
  return m;
}

ifaddrmsg addr_header(unsigned char family, unsigned char prefix, unsigned index, unsigned char flags = 0) {
  ifaddrmsg m{};
  m.ifa_family = family;
  m.ifa_prefixlen = prefix;
  m.ifa_index = index;
  m.ifa_flags = flags;
  return m;
}

rtmsg route_header(unsigned char family, unsigned char dst_len, unsigned char table = RT_TABLE_MAIN) {
  rtmsg m{};
  m.rtm_family = family;
  m.rtm_dst_len = dst_len;
  m.rtm_table = table;
  m.rtm_type = RTN_UNICAST;
  m.rtm_protocol = RTPROT_BOOT;
  return m;
}

std::string text(const IpAddress& a) { return a.to_string(); }

// Datagrams of a recorded dump: one hex line each, '#' lines are comments.
std::vector<Bytes> load_hex(const char* name) {
  auto path = std::filesystem::path(__FILE__).parent_path() / "data" / name;
  std::ifstream in(path);
  REQUIRE(in.good());
  std::vector<Bytes> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    REQUIRE(line.size() % 2 == 0);
    Bytes d;
    for (std::size_t i = 0; i < line.size(); i += 2) d.push_back(static_cast<std::uint8_t>(std::stoi(line.substr(i, 2), nullptr, 16)));
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

TEST_CASE("split_messages walks a datagram and rejects bad lengths", "[net]") {
  Builder a, b;
  a.header(link_header(1, 0)).str(IFLA_IFNAME, "lo");
  b.header(link_header(2, 0)).str(IFLA_IFNAME, "eth0");
  Bytes datagram = a.message(RTM_NEWLINK, NLM_F_MULTI, 7);
  auto second = b.message(RTM_NEWLINK, NLM_F_MULTI, 7);
  datagram.insert(datagram.end(), second.begin(), second.end());

  auto msgs = split_messages(datagram);
  REQUIRE(msgs);
  REQUIRE(msgs->size() == 2);
  CHECK((*msgs)[0].type == RTM_NEWLINK);
  CHECK((*msgs)[0].seq == 7);
  CHECK((*msgs)[1].payload.size() == b.bytes.size());

  SECTION("length past the end") {
    Bytes bad = datagram;
    bad.pop_back();
    CHECK_FALSE(split_messages(bad));
  }
  SECTION("length below the header") {
    Bytes bad = datagram;
    std::uint32_t len = 4;
    std::memcpy(bad.data(), &len, 4);
    auto r = split_messages(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "malformed");
  }
  SECTION("short header") {
    CHECK_FALSE(split_messages(Bytes(10, 0)));
  }
  SECTION("empty datagram") {
    auto r = split_messages(Bytes{});
    REQUIRE(r);
    CHECK(r->empty());
  }
}

TEST_CASE("parse_link reads name, MAC, MTU and flags", "[net]") {
  std::uint8_t mac[6] = {0x02, 0xfc, 0, 0, 0, 0x01};
  Builder b;
  b.header(link_header(4, IFF_UP | IFF_RUNNING | IFF_MULTICAST)).str(IFLA_IFNAME, "eth0").attr(IFLA_ADDRESS, mac, 6).u32(IFLA_MTU, 1400);
  auto link = parse_link(b.bytes);
  REQUIRE(link);
  CHECK(link->index == 4);
  CHECK(link->name == "eth0");
  CHECK(format_mac(link->hwaddr) == "02:fc:00:00:00:01");
  CHECK(link->mtu == 1400);
  CHECK(link->flags == (IFF_UP | IFF_RUNNING | IFF_MULTICAST));

  SECTION("no name") {
    Builder n;
    n.header(link_header(4, 0)).u32(IFLA_MTU, 1500);
    CHECK_FALSE(parse_link(n.bytes));
  }
  SECTION("attribute longer than the message") {
    Bytes bad = b.bytes;
    bad.resize(bad.size() - 4);
    CHECK_FALSE(parse_link(bad));
  }
  SECTION("short MTU") {
    Builder m;
    std::uint16_t two = 2;
    m.header(link_header(4, 0)).str(IFLA_IFNAME, "x").attr(IFLA_MTU, &two, 2);
    CHECK_FALSE(parse_link(m.bytes));
  }
  SECTION("truncated header") {
    CHECK_FALSE(parse_link(Bytes(8, 0)));
  }
}

TEST_CASE("parse_addr reads addresses, prefixes, scope ids and flags", "[net]") {
  SECTION("IPv4: IFA_LOCAL is the local address, IFA_ADDRESS the peer") {
    Builder b;
    b.header(addr_header(AF_INET, 32, 5)).ip(IFA_ADDRESS, "10.9.0.1").ip(IFA_LOCAL, "10.9.0.2");
    auto a = parse_addr(b.bytes);
    REQUIRE(a);
    CHECK(text(a->address) == "10.9.0.2");
    CHECK(a->prefix == 32);
    CHECK(a->index == 5);
  }
  SECTION("IPv6 link-local gets the interface as scope id") {
    Builder b;
    b.header(addr_header(AF_INET6, 64, 1)).ip(IFA_ADDRESS, "fe80::1");
    auto a = parse_addr(b.bytes);
    REQUIRE(a);
    CHECK(a->address.family == Family::v6);
    CHECK(a->address.scope_id == 1);
  }
  SECTION("IPv6 global has no scope id; IFA_FLAGS wins over the 8-bit flags") {
    Builder b;
    b.header(addr_header(AF_INET6, 64, 3, IFA_F_TENTATIVE)).ip(IFA_ADDRESS, "2001:db8::5").u32(IFA_FLAGS, IFA_F_TEMPORARY | IFA_F_DEPRECATED);
    auto a = parse_addr(b.bytes);
    REQUIRE(a);
    CHECK(a->address.scope_id == 0);
    CHECK(a->flags == (IFA_F_TEMPORARY | IFA_F_DEPRECATED));
  }
  SECTION("malformed") {
    Builder no_addr;
    no_addr.header(addr_header(AF_INET, 24, 2));
    CHECK_FALSE(parse_addr(no_addr.bytes));

    Builder wrong_size;  // a 16-byte address in an IPv4 message
    wrong_size.header(addr_header(AF_INET, 24, 2)).ip(IFA_ADDRESS, "2001:db8::1");
    CHECK_FALSE(parse_addr(wrong_size.bytes));

    Builder big_prefix;
    big_prefix.header(addr_header(AF_INET, 33, 2)).ip(IFA_ADDRESS, "10.0.0.1");
    CHECK_FALSE(parse_addr(big_prefix.bytes));
  }
  SECTION("other families are unsupported, not malformed") {
    Builder b;
    b.header(addr_header(AF_PACKET, 0, 2));
    auto a = parse_addr(b.bytes);
    REQUIRE_FALSE(a);
    CHECK(a.error().code == "unsupported");
  }
}

TEST_CASE("parse_route reads default routes, tables and next hops", "[net]") {
  SECTION("a v4 default route") {
    Builder b;
    b.header(route_header(AF_INET, 0)).u32(RTA_TABLE, RT_TABLE_MAIN).ip(RTA_GATEWAY, "192.0.2.1").u32(RTA_OIF, 4).u32(RTA_PRIORITY, 100);
    auto r = parse_route(b.bytes);
    REQUIRE(r);
    CHECK(r->family == Family::v4);
    CHECK(r->dst_len == 0);
    CHECK(r->table == RT_TABLE_MAIN);
    CHECK(r->priority == 100);
    REQUIRE(r->hops.size() == 1);
    CHECK(r->hops[0].oif == 4);
    REQUIRE(r->hops[0].gateway);
    CHECK(text(*r->hops[0].gateway) == "192.0.2.1");
  }
  SECTION("a v6 link-local gateway takes the OIF as scope, whatever the attribute order") {
    Builder b;
    b.header(route_header(AF_INET6, 0)).ip(RTA_GATEWAY, "fe80::1").u32(RTA_OIF, 3);
    auto r = parse_route(b.bytes);
    REQUIRE(r);
    REQUIRE(r->hops.size() == 1);
    CHECK(r->hops[0].gateway->scope_id == 3);
  }
  SECTION("RTA_TABLE overrides rtm_table (tables above 255)") {
    Builder b;
    b.header(route_header(AF_INET, 0, RT_TABLE_COMPAT)).u32(RTA_TABLE, 1000).u32(RTA_OIF, 2);
    auto r = parse_route(b.bytes);
    REQUIRE(r);
    CHECK(r->table == 1000);
  }
  SECTION("multipath next hops") {
    Bytes hops;
    auto add_hop = [&](int ifindex, const char* gw) {
      Builder attrs;
      attrs.ip(RTA_GATEWAY, gw);
      rtnexthop nh{};
      nh.rtnh_len = static_cast<unsigned short>(sizeof nh + attrs.bytes.size());
      nh.rtnh_ifindex = ifindex;
      auto p = reinterpret_cast<const std::uint8_t*>(&nh);
      hops.insert(hops.end(), p, p + sizeof nh);
      hops.insert(hops.end(), attrs.bytes.begin(), attrs.bytes.end());
    };
    add_hop(2, "192.0.2.1");
    add_hop(3, "198.51.100.1");
    Builder b;
    b.header(route_header(AF_INET, 0)).attr(RTA_MULTIPATH, hops.data(), hops.size());
    auto r = parse_route(b.bytes);
    REQUIRE(r);
    REQUIRE(r->hops.size() == 2);
    CHECK(r->hops[1].oif == 3);
    CHECK(text(*r->hops[1].gateway) == "198.51.100.1");
  }
  SECTION("malformed and unsupported") {
    Builder bad_gw;
    std::uint8_t three[3] = {1, 2, 3};
    bad_gw.header(route_header(AF_INET, 0)).attr(RTA_GATEWAY, three, 3);
    CHECK_FALSE(parse_route(bad_gw.bytes));
    Builder bad_len;
    bad_len.header(route_header(AF_INET, 40));
    CHECK_FALSE(parse_route(bad_len.bytes));
    Builder mpls;
    mpls.header(route_header(28 /* AF_MPLS */, 20));
    auto r = parse_route(mpls.bytes);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "unsupported");
  }
}

TEST_CASE("parse_error_code reads the kernel's errno", "[net]") {
  int code = -95;
  Bytes payload(reinterpret_cast<std::uint8_t*>(&code), reinterpret_cast<std::uint8_t*>(&code) + sizeof code);
  auto r = parse_error_code(payload);
  REQUIRE(r);
  CHECK(*r == -95);
  CHECK_FALSE(parse_error_code(Bytes(2, 0)));
}

TEST_CASE("a recorded rtnetlink dump becomes a snapshot", "[net]") {
  std::vector<LinkInfo> links;
  std::vector<AddrInfo> addrs;
  std::vector<RouteInfo> routes;
  int done = 0;
  auto feed = [&](const char* file) {
    for (const auto& datagram : load_hex(file)) {
      auto msgs = split_messages(datagram);
      REQUIRE(msgs);
      for (const auto& m : *msgs) {
        if (m.type == NLMSG_DONE) ++done;
        if (m.type == RTM_NEWLINK) {
          auto l = parse_link(m.payload);
          REQUIRE(l);
          links.push_back(*l);
        } else if (m.type == RTM_NEWADDR) {
          auto a = parse_addr(m.payload);
          REQUIRE(a);
          addrs.push_back(*a);
        } else if (m.type == RTM_NEWROUTE) {
          auto r = parse_route(m.payload);
          if (r) routes.push_back(*r);
          else CHECK(r.error().code == "unsupported");
        }
      }
    }
  };
  feed("netlink_links.hex");
  feed("netlink_addrs.hex");
  feed("netlink_routes.hex");
  CHECK(done == 3);
  REQUIRE(links.size() == 4);
  CHECK(addrs.size() == 5);

  Snapshot snap = build_snapshot(links, addrs, routes);
  REQUIRE(snap.interfaces.size() == 4);

  const Interface* lo = snap.find("lo");
  REQUIRE(lo);
  CHECK(lo->index == 1);
  CHECK(lo->flags.loopback);
  CHECK(lo->flags.usable());
  CHECK(lo->mtu == 65536);
  REQUIRE(lo->addresses.size() == 2);
  CHECK(text(lo->addresses[0].address) == "127.0.0.1");
  CHECK(lo->addresses[0].prefix == 8);
  CHECK(lo->addresses[0].scope == AddressScope::loopback);
  CHECK(text(lo->addresses[1].address) == "::1");
  CHECK(lo->addresses[1].prefix == 128);

  const Interface* ifb0 = snap.find("ifb0");
  REQUIRE(ifb0);
  CHECK_FALSE(ifb0->flags.up);
  CHECK(ifb0->addresses.empty());

  const Interface* eth0 = snap.find(4u);
  REQUIRE(eth0);
  CHECK(eth0->name == "eth0");
  CHECK(eth0->mac == "02:fc:00:00:00:01");
  CHECK(eth0->mtu == 1400);
  CHECK(eth0->flags.usable());
  CHECK(eth0->flags.multicast);
  CHECK_FALSE(eth0->flags.point_to_point);
  REQUIRE(eth0->addresses.size() == 3);
  CHECK(text(eth0->addresses[0].address) == "192.0.2.2");
  CHECK(eth0->addresses[0].prefix == 24);
  CHECK(eth0->addresses[0].scope == AddressScope::global);  // TEST-NET-1 is not RFC 1918
  CHECK(text(eth0->addresses[1].address) == "fd00::2");
  CHECK(eth0->addresses[1].scope == AddressScope::private_net);
  CHECK(eth0->addresses[2].scope == AddressScope::link_local);
  CHECK(eth0->addresses[2].address.scope_id == 4);
  CHECK(eth0->is_default_v4);
  CHECK(eth0->is_default_v6);
  REQUIRE(eth0->gateway_v4);
  CHECK(text(*eth0->gateway_v4) == "192.0.2.1");
  REQUIRE(eth0->gateway_v6);
  REQUIRE(snap.default_v4);
  CHECK(snap.default_v4->interface == "eth0");
  REQUIRE(snap.default_v6);
  CHECK(snap.default_v6->metric == 1024);
  REQUIRE(snap.default_v6->gateway);
  CHECK(snap.default_v6->gateway->to_string() == "fd00::1");
  CHECK_FALSE(lo->is_default_v4);
}

TEST_CASE("netlink parsers survive corrupted datagrams", "[net]") {
  std::vector<Bytes> corpus;
  for (const char* file : {"netlink_links.hex", "netlink_addrs.hex", "netlink_routes.hex"}) {
    for (auto& d : load_hex(file)) corpus.push_back(std::move(d));
  }
  std::uint32_t state = 12345;  // a fixed LCG: the same cases every run
  auto next = [&] { return state = state * 1103515245u + 12345u; };
  int parsed = 0;
  for (int round = 0; round < 3000; ++round) {
    Bytes d = corpus[next() % corpus.size()];
    int flips = 1 + static_cast<int>(next() % 8);
    for (int i = 0; i < flips; ++i) d[next() % d.size()] = static_cast<std::uint8_t>(next() >> 16);
    if (next() % 4 == 0) d.resize(next() % (d.size() + 1));
    auto msgs = split_messages(d);
    if (!msgs) continue;
    for (const auto& m : *msgs) {
      // Every parser on every payload, whatever the type says.
      parsed += parse_link(m.payload).ok() + parse_addr(m.payload).ok() + parse_route(m.payload).ok();
      (void)parse_error_code(m.payload);
    }
  }
  CHECK(parsed > 0);
}
