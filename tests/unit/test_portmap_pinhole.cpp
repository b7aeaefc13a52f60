// IPv6 pinholes' pure rules: the lease asked for (WANIPv6FirewallControl's 1-86400 s),
// the renewal schedule, which addresses get the node port's pinholes, and the JSON view.
#include <catch2/catch.hpp>

#include "core/portmap/pinhole.hpp"
#include "test_interfaces_support.hpp"

using namespace p2pd;
using namespace p2pd::portmap;
using namespace p2pd::net::testing;

TEST_CASE("pinhole lease: clamped to 86400 s, 0 asked as 86400", "[portmap]") {
  CHECK(pinhole_lease(0) == 86400);
  CHECK(pinhole_lease(10) == 10);
  CHECK(pinhole_lease(3600) == 3600);
  CHECK(pinhole_lease(86400) == 86400);
  CHECK(pinhole_lease(604800) == 86400);
}

TEST_CASE("pinhole renewal: at half the lease, at least 1 s after the grant", "[portmap]") {
  CHECK(pinhole_renew_at_ms(1000, 3600) == 1000 + 1800000);
  CHECK(pinhole_renew_at_ms(0, 10) == 5000);
  CHECK(pinhole_renew_at_ms(500, 1) == 1500);
  CHECK(pinhole_renew_at_ms(500, 2) == 1500);
  CHECK(pinhole_renew_at_ms(0, 86400) == 43200000);
}

TEST_CASE("pinhole addresses: global and ULA of the IPv6 default route's interface", "[portmap]") {
  net::Snapshot s;
  auto tentative = address("2001:db8::7", 64);
  tentative.flags.tentative = true;
  auto deprecated = address("2001:db8::8", 64);
  deprecated.flags.deprecated = true;
  auto dup = address("2001:db8::9", 64);
  dup.flags.dad_failed = true;
  auto temporary = address("2001:db8::a", 64);
  temporary.flags.temporary = true;
  s.interfaces.push_back(iface(1, "lo", {address("127.0.0.1", 8), address("::1", 128)}));
  s.interfaces[0].flags.loopback = true;
  s.interfaces.push_back(iface(2, "eth0",
                               {address("192.168.1.10", 24), address("fe80::1", 64), address("2001:db8::5", 64),
                                address("fd00:77::11", 64), tentative, deprecated, dup, temporary}));
  s.interfaces.push_back(iface(3, "eth1", {address("2001:db8:1::5", 64)}));
  CHECK(pinhole_addresses(s).empty());  // no IPv6 default route: no pinholes

  net::DefaultRoute r;
  r.index = 2;
  r.interface = "eth0";
  r.gateway = ip("fe80::1");
  s.default_v6 = r;
  auto got = pinhole_addresses(s);
  REQUIRE(got.size() == 3);
  CHECK(got[0].to_string() == "2001:db8::5");
  CHECK(got[1].to_string() == "fd00:77::11");
  CHECK(got[2].to_string() == "2001:db8::a");  // temporary addresses are reachable too

  s.interfaces[1].flags.running = false;
  CHECK(pinhole_addresses(s).empty());
}

TEST_CASE("pinhole JSON: kind, internal address and port, unique id and lease while open", "[portmap]") {
  PinholeEntry e;
  e.id = 3;
  e.request.address = ip("fd00:77::11");
  e.request.port = 41234;
  e.request.protocol = Protocol::tcp;
  e.request.lease_s = 60;
  auto j = to_json(e, 0);
  CHECK(j["kind"] == "pinhole");
  CHECK(j["id"] == 3);
  CHECK(j["protocol"] == "tcp");
  CHECK(j["internal_address"] == "fd00:77::11");
  CHECK(j["internal_port"] == 41234);
  CHECK(j["external"] == "[fd00:77::11]:41234");
  CHECK(j["state"] == "mapping");
  CHECK(j["requested"]["lifetime_s"] == 60);
  CHECK_FALSE(j.contains("unique_id"));
  CHECK_FALSE(j.contains("expires_in_s"));

  e.state = MapState::mapped;
  e.unique_id = 7;
  e.lease_s = 60;
  e.expires_ms = 70000;
  e.renewals = 2;
  j = to_json(e, 10000);
  CHECK(j["state"] == "mapped");
  CHECK(j["unique_id"] == 7);
  CHECK(j["method"] == "upnp");
  CHECK(j["lifetime_s"] == 60);
  CHECK(j["renewals"] == 2);
  CHECK(j["expires_in_s"].get<double>() == Approx(60.0));
  CHECK(to_json(e, 80000)["expires_in_s"].get<double>() == 0.0);

  e.state = MapState::failed;
  e.unique_id.reset();
  e.error = Error{"not_authorized", "UPnP AddPinhole answered 606 ActionNotAuthorized"};
  j = to_json(e, 0);
  CHECK(j["error"]["code"] == "not_authorized");
  CHECK_FALSE(j.contains("unique_id"));
}
