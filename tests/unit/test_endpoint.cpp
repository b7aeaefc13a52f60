// core/net/endpoint: text forms, classification, sockaddr round trips, rejections.
#include <arpa/inet.h>
#include <net/if.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "core/net/endpoint.hpp"

using namespace p2pd::net;

namespace {

IpAddress ip(const char* text) {
  auto r = IpAddress::parse(text);
  INFO(text << ": " << (r ? std::string() : r.error().message));
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

TEST_CASE("IpAddress parses and formats v4 and v6", "[endpoint]") {
  auto a = ip("192.0.2.7");
  CHECK(a.family == Family::v4);
  CHECK(a.bytes[0] == 192);
  CHECK(a.bytes[3] == 7);
  CHECK(a.to_string() == "192.0.2.7");

  auto b = ip("2001:DB8:0:0::1");
  CHECK(b.family == Family::v6);
  CHECK(b.scope_id == 0);
  CHECK(b.to_string() == "2001:db8::1");

  CHECK(ip("::").to_string() == "::");
  CHECK(ip("::ffff:10.1.2.3").family == Family::v6);
  CHECK(ip("1.2.3.4") == ip("1.2.3.4"));
  CHECK_FALSE(ip("1.2.3.4") == ip("1.2.3.5"));
}

TEST_CASE("IpAddress scope by interface name or index", "[endpoint]") {
  unsigned lo = if_nametoindex("lo");
  REQUIRE(lo != 0);

  auto by_name = ip("fe80::1%lo");
  CHECK(by_name.scope_id == lo);
  CHECK(by_name.to_string() == "fe80::1%lo");

  auto by_index = ip(("fe80::1%" + std::to_string(lo)).c_str());
  CHECK(by_index == by_name);

  // An index with no interface behind it still parses and prints as a number.
  auto unknown = ip("fe80::1%999999");
  CHECK(unknown.scope_id == 999999);
  CHECK(unknown.to_string() == "fe80::1%999999");

  // Link-local without a scope is accepted, scope 0.
  CHECK(ip("fe80::1").scope_id == 0);
  CHECK(ip("ff02::1%lo").scope_id == lo);  // link-scope multicast takes one too
}

TEST_CASE("IpAddress rejects garbage", "[endpoint]") {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", " 1.2.3.4",
                          "1.2.3.4 ", "abc", "::1::2", "1.2.3.4%lo", "fe80::1%",
                          "fe80::1%no-such-if0", "2001:db8::1%lo", "fe80::1%0",
                          "fe80::1%99999999999", "[::1]", "gggg::1"}) {
    INFO(bad);
    auto r = IpAddress::parse(bad);
    CHECK_FALSE(r.ok());
    if (!r) CHECK(r.error().code == "bad_request");
  }
}

TEST_CASE("IpAddress classification", "[endpoint]") {
  CHECK(ip("127.0.0.1").is_loopback());
  CHECK(ip("127.255.1.2").is_loopback());
  CHECK(ip("::1").is_loopback());
  CHECK(ip("::ffff:127.0.0.1").is_loopback());
  CHECK_FALSE(ip("128.0.0.1").is_loopback());
  CHECK_FALSE(ip("::2").is_loopback());

  CHECK(ip("169.254.0.1").is_link_local());
  CHECK(ip("169.254.255.255").is_link_local());
  CHECK_FALSE(ip("169.253.0.1").is_link_local());
  CHECK(ip("fe80::1").is_link_local());
  CHECK(ip("febf::1").is_link_local());
  CHECK_FALSE(ip("fec0::1").is_link_local());

  for (const char* p : {"10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255",
                        "192.168.1.1", "100.64.0.1", "100.127.255.255", "fc00::1", "fd12::1",
                        "::ffff:192.168.0.1"}) {
    INFO(p);
    CHECK(ip(p).is_private());
  }
  for (const char* p : {"9.255.255.255", "11.0.0.1", "172.15.0.1", "172.32.0.1", "192.169.0.1",
                        "100.63.255.255", "100.128.0.1", "8.8.8.8", "fe00::1", "2001:db8::1",
                        "127.0.0.1", "169.254.1.1"}) {
    INFO(p);
    CHECK_FALSE(ip(p).is_private());
  }

  CHECK(ip("0.0.0.0").is_unspecified());
  CHECK(ip("::").is_unspecified());
  CHECK_FALSE(ip("0.0.0.1").is_unspecified());
  CHECK_FALSE(ip("::1").is_unspecified());
}

TEST_CASE("Endpoint parses and formats", "[endpoint]") {
  auto a = Endpoint::parse("1.2.3.4:80");
  REQUIRE(a.ok());
  CHECK(a->address == ip("1.2.3.4"));
  CHECK(a->port == 80);
  CHECK(a->to_string() == "1.2.3.4:80");

  auto b = Endpoint::parse("[::1]:12333");
  REQUIRE(b.ok());
  CHECK(b->address.is_loopback());
  CHECK(b->port == 12333);
  CHECK(b->to_string() == "[::1]:12333");

  auto c = Endpoint::parse("[fe80::1%lo]:65535");
  REQUIRE(c.ok());
  CHECK(c->address.scope_id == if_nametoindex("lo"));
  CHECK(c->port == 65535);
  CHECK(c->to_string() == "[fe80::1%lo]:65535");

  auto zero = Endpoint::parse("127.0.0.1:0");
  REQUIRE(zero.ok());
  CHECK(zero->port == 0);
}

TEST_CASE("Endpoint rejects bad text", "[endpoint]") {
  for (const char* bad : {"", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:99999999999",
                          "1.2.3.4:-1", "1.2.3.4:+80", "1.2.3.4:8a", "1.2.3.4: 80", ":80",
                          "::1:80", "fe80::1:80", "[::1]", "[::1]80", "[::1:80", "::1]:80",
                          "[1.2.3.4]:80", "localhost:80", "example.org:80", "[]:80",
                          "1.2.3.4:80:80", "unix:/tmp/x"}) {
    INFO(bad);
    CHECK_FALSE(Endpoint::parse(bad).ok());
  }
  auto unbracketed = Endpoint::parse("::1:80");
  REQUIRE_FALSE(unbracketed.ok());
  CHECK(unbracketed.error().message.find("brackets") != std::string::npos);
}

TEST_CASE("Endpoint sockaddr round trips", "[endpoint]") {
  for (const char* text : {"10.1.2.3:4567", "[2001:db8::5]:443", "[fe80::1%lo]:9", "0.0.0.0:0"}) {
    INFO(text);
    auto ep = Endpoint::parse(text);
    REQUIRE(ep.ok());
    sockaddr_storage ss;
    socklen_t len = ep->to_sockaddr(ss);
    if (ep->address.family == Family::v4) {
      CHECK(len == sizeof(sockaddr_in));
      CHECK(ss.ss_family == AF_INET);
    } else {
      CHECK(len == sizeof(sockaddr_in6));
      CHECK(ss.ss_family == AF_INET6);
    }
    auto back = Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss));
    CHECK(back == *ep);
    CHECK(back.to_string() == text);
  }
}

TEST_CASE("Endpoint from a sockaddr built by hand", "[endpoint]") {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(5353);
  in6.sin6_scope_id = if_nametoindex("lo");
  REQUIRE(inet_pton(AF_INET6, "fe80::abcd", &in6.sin6_addr) == 1);
  auto ep = Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&in6));
  CHECK(ep.to_string() == "[fe80::abcd%lo]:5353");

  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(53);
  in.sin_addr.s_addr = htonl(0x7f000001);
  CHECK(Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&in)).to_string() ==
        "127.0.0.1:53");

  CHECK(Endpoint::from_sockaddr(nullptr) == Endpoint{});
  sockaddr other{};
  other.sa_family = AF_UNIX;
  CHECK(Endpoint::from_sockaddr(&other) == Endpoint{});
}

TEST_CASE("HostPort accepts names and IP literals", "[endpoint]") {
  auto a = HostPort::parse("stun.l.google.com:19302");
  REQUIRE(a.ok());
  CHECK(a->host == "stun.l.google.com");
  CHECK(a->port == 19302);
  CHECK(a->to_string() == "stun.l.google.com:19302");

  auto b = HostPort::parse("[2001:db8::1]:3478");
  REQUIRE(b.ok());
  CHECK(b->host == "2001:db8::1");
  CHECK(b->to_string() == "[2001:db8::1]:3478");

  auto c = HostPort::parse("192.0.2.1:1");
  REQUIRE(c.ok());
  CHECK(c->host == "192.0.2.1");

  for (const char* good : {"localhost:1883", "a-b.example:65535", "X1:2", "mqtt.eclipseprojects.io:1883"}) {
    INFO(good);
    CHECK(HostPort::parse(good).ok());
  }
}

TEST_CASE("HostPort rejects bad text", "[endpoint]") {
  for (const char* bad : {"", "host", "host:", "host:0", "host:65536", "host:x", ":3478",
                          "2001:db8::1:3478", "[2001:db8::1]", "[1.2.3.4]:3478",
                          "[example.org]:3478", "exa mple.org:1", "under_score.org:1",
                          "-lead.org:1", "trail-.org:1", "a..b:1", ".a:1", "a.:1",
                          "1.2.3.999:1", "http://x:1", "host:80/path"}) {
    INFO(bad);
    CHECK_FALSE(HostPort::parse(bad).ok());
  }
  std::string long_label(64, 'a');
  CHECK_FALSE(HostPort::parse(long_label + ".org:1").ok());
  CHECK(HostPort::parse(std::string(63, 'a') + ".org:1").ok());
}

TEST_CASE("ListenEndpoint unix and tcp forms", "[endpoint]") {
  auto u = ListenEndpoint::parse("unix:api.sock");
  REQUIRE(u.ok());
  CHECK(u->is_unix());
  CHECK(u->unix_path == "api.sock");
  CHECK(u->to_string() == "unix:api.sock");

  auto abs = ListenEndpoint::parse("unix:/run/p2pd/api.sock");
  REQUIRE(abs.ok());
  CHECK(abs->unix_path == "/run/p2pd/api.sock");

  auto t = ListenEndpoint::parse("127.0.0.1:0");
  REQUIRE(t.ok());
  CHECK_FALSE(t->is_unix());
  CHECK(t->tcp->port == 0);
  CHECK(t->to_string() == "127.0.0.1:0");

  auto v6 = ListenEndpoint::parse("[::1]:12333");
  REQUIRE(v6.ok());
  CHECK(v6->to_string() == "[::1]:12333");

  for (const char* bad : {"", "unix:", "unix", "localhost:12333", "::1:12333", "127.0.0.1",
                          "127.0.0.1:70000", "tcp:127.0.0.1:80"}) {
    INFO(bad);
    CHECK_FALSE(ListenEndpoint::parse(bad).ok());
  }
  CHECK_FALSE(ListenEndpoint::parse("unix:" + std::string(200, 'x')).ok());
}
