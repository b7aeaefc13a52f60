// NatService on a real loop: one result per interface and family from the interface
// service's snapshot, classified against scripted STUN servers on loopback; refresh()
// re-runs it; no servers gives `unknown` at once; status and events follow.
#include <catch2/catch.hpp>

#include "core/traverse/nat_service.hpp"
#include "test_interfaces_support.hpp"
#include "test_stun_loop_server.hpp"

using namespace p2pd;
using namespace p2pd::traverse;
using namespace p2pd::traverse::testing;

namespace {

net::InterfaceServiceOptions no_monitor() {
  net::InterfaceServiceOptions o;
  o.monitor = false;
  o.rescan_ms = 0;
  return o;
}

// "test0" carries 127.0.0.1 (a loopback address on an interface not flagged loopback, so
// the service probes from it) and a link-local IPv6 address (never probed from).
net::Snapshot snapshot() {
  net::Snapshot s;
  s.interfaces.push_back(net::testing::iface(
      2, "test0", {net::testing::address("127.0.0.1", 8), net::testing::address("fe80::1", 64)}));
  auto lo = net::testing::iface(1, "lo", {net::testing::address("127.0.0.1", 8)});
  lo.flags.loopback = true;
  s.interfaces.insert(s.interfaces.begin(), lo);
  return s;
}

NatServiceOptions options(std::vector<std::string> servers) {
  NatServiceOptions o;
  o.servers = std::move(servers);
  o.timing.rto_ms = 100;
  o.timing.max_sends = 3;
  o.timing.last_wait_rto = 2;
  o.timing.timeout_ms = 600;
  o.filter_timing = o.tcp_timing = o.timing;
  return o;
}

}  // namespace

TEST_CASE("NatService: classifies each interface and family, refreshes, publishes", "[nat][service]") {
  loop::Loop loop;
  LoopStunServer s1(loop), s2(loop);
  observe::EventBus bus;
  observe::StatusBoard status;
  net::InterfaceService ifs(loop, no_monitor(), nullptr, nullptr, [] { return Result<net::Snapshot>(snapshot()); });
  ifs.start();
  NatService nat(loop, options({s1.primary().to_string(), s2.primary().to_string()}), &ifs, &bus, &status);
  nat.start();
  CHECK(nat.running());
  REQUIRE(run_stun_until(loop, [&] { return !nat.running(); }, 5000));
  REQUIRE(nat.results().size() == 1);
  const auto& r = nat.results()[0];
  CHECK(r.interface == "test0");
  CHECK(r.family == net::Family::v4);
  CHECK(r.type == NatType::open);
  CHECK(r.confirmed);
  CHECK(nat.runs() == 1);
  auto events = bus.read(0, 100);
  REQUIRE(events.events.size() == 2);
  CHECK(events.events[0].type == "nat.classified");
  CHECK(events.events[0].data["type"] == "open");
  CHECK(events.events[1].type == "nat.changed");

  nat.refresh();
  nat.refresh();  // replaces the run just started
  REQUIRE(run_stun_until(loop, [&] { return !nat.running(); }, 5000));
  CHECK(nat.runs() == 3);
  REQUIRE(nat.results().size() == 1);
  CHECK(nat.results()[0].type == NatType::open);
  events = bus.read(2, 100);
  REQUIRE(events.events.size() == 1);  // the same result again: classified, not changed
  CHECK(events.events[0].type == "nat.classified");

  nat.set_servers({});  // a config reload without servers: classified again, unknown
  REQUIRE(run_stun_until(loop, [&] { return !nat.running(); }, 5000));
  CHECK(nat.runs() == 4);
  REQUIRE(nat.results().size() == 1);
  CHECK(nat.results()[0].type == NatType::unknown);
  nat.close();
}

TEST_CASE("NatService: no servers is unknown without a wait", "[nat][service]") {
  loop::Loop loop;
  observe::StatusBoard status;
  net::InterfaceService ifs(loop, no_monitor(), nullptr, nullptr, [] { return Result<net::Snapshot>(snapshot()); });
  ifs.start();
  NatService nat(loop, options({}), &ifs, nullptr, &status);
  nat.start();
  const auto t0 = loop.now_ms();
  REQUIRE(run_stun_until(loop, [&] { return !nat.running(); }, 2000));
  CHECK(loop.now_ms() - t0 < 200);
  REQUIRE(nat.results().size() == 1);
  CHECK(nat.results()[0].type == NatType::unknown);
  CHECK(nat.results()[0].reason.find("no STUN servers") != std::string::npos);
  nat.close();
}
