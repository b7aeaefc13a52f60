// Datagram size of UDP paths: large where the route is the loopback device, the
// Internet size elsewhere (net::route_mtu).
#include <catch2/catch.hpp>

#include "core/loop/loop.hpp"
#include "core/net/route_mtu.hpp"
#include "core/peer/path_udp.hpp"
#include "core/peer/path_udp_mux.hpp"

using namespace p2pd;

namespace {
net::Endpoint ep(const char* text) {
  auto e = net::Endpoint::parse(text);
  REQUIRE(e);
  return *e;
}
}  // namespace

TEST_CASE("route_mtu: loopback routes have the loopback device's MTU", "[net][route_mtu]") {
  auto mtu = net::route_mtu(ep("127.0.0.1:9"));
  REQUIRE(mtu);
  CHECK(*mtu >= net::kLoopbackRouteMtu);
  auto other = net::route_mtu(ep("127.3.4.5:9"));
  REQUIRE(other);
  CHECK(*other >= net::kLoopbackRouteMtu);
  CHECK(net::udp_payload_for_mtu(net::Family::v4, 65536) == 65507);
  CHECK(net::udp_payload_for_mtu(net::Family::v6, 65536) == 65488);
  CHECK(net::udp_payload_for_mtu(net::Family::v4, 1500) == 1472);
  CHECK(net::udp_payload_for_mtu(net::Family::v6, 1280) == 1232);
}

TEST_CASE("UdpMux: paths over loopback get large datagrams, others the Internet size", "[peer][udp_mux]") {
  loop::Loop loop;
  peer::UdpMuxOptions options;
  options.max_datagram = 1452;
  options.local_max_datagram = 65000;
  auto mux = peer::UdpMux::bind(loop, ep("127.0.0.1:0"), options);
  REQUIRE(mux);
  auto local = (*mux)->open_path(ep("127.0.0.1:4000"));
  REQUIRE(local);
  CHECK((*local)->max_datagram_size() == 65000);
  // TEST-NET-1: no route (error) or a route through a real NIC (MTU < 65536).
  CHECK((*mux)->datagram_size_for(ep("192.0.2.1:4000")) == 1452);

  options.local_max_datagram = 0;  // off: every path gets max_datagram
  auto plain = peer::UdpMux::bind(loop, ep("127.0.0.1:0"), options);
  REQUIRE(plain);
  auto p = (*plain)->open_path(ep("127.0.0.1:4000"));
  REQUIRE(p);
  CHECK((*p)->max_datagram_size() == 1452);

  options.local_max_datagram = 70000;  // capped by what the route allows
  auto capped = peer::UdpMux::bind(loop, ep("127.0.0.1:0"), options);
  REQUIRE(capped);
  CHECK((*capped)->datagram_size_for(ep("127.0.0.1:4000")) == 65507);
}
