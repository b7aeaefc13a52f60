// The NAT classifier in a simulated NAT world (test_nat_world.hpp): every RFC 3489
// type, RFC 5780 mapping and filtering behaviour and port-delta type is told apart,
// with the probes in order, as few requests as the plan needs, and `unknown` (never a
// guess or a hang) when nothing answers.
#include <catch2/catch.hpp>

#include <memory>

#include "core/traverse/nat_classifier.hpp"
#include "test_nat_world.hpp"

using namespace p2pd;
using namespace p2pd::traverse;
using namespace p2pd::traverse::testing;

namespace {

turn::Timing timing() {
  turn::Timing t;
  t.rto_ms = 100;
  t.max_sends = 3;
  t.last_wait_rto = 2;
  t.timeout_ms = 2000;
  return t;  // gives up after 100 + 200 + 200 = 500 ms
}

turn::Timing filter_timing() {
  turn::Timing t = timing();
  t.timeout_ms = 300;
  return t;
}

SimServer server(const char* name, const char* primary, const char* other, bool rfc5780 = true) {
  SimServer s;
  s.name = name;
  s.primary = sim_ep(primary);
  s.other = sim_ep(other);
  s.rfc5780 = rfc5780;
  return s;
}

std::vector<SimServer> two_servers(bool rfc5780 = true) {
  return {server("a.example:3478", "203.0.113.1:3478", "203.0.113.2:3479", rfc5780),
          server("b.example:3478", "203.0.113.9:3478", "203.0.113.10:3479", rfc5780)};
}

struct Run {
  NatWorld world;
  std::optional<NatResult> result;
  std::unique_ptr<NatClassifier> classifier;
  bool done_inside_start = false;

  Run(SimNat nat, std::vector<SimServer> servers) : world(nat, servers) {
    world.tcp_timing = filter_timing();
    NatClassifierOptions o;
    o.interface = "eth0";
    o.local = world.local_ip();
    for (const auto& s : servers) o.servers.push_back({s.name, s.primary});
    o.timing = timing();
    o.filter_timing = filter_timing();
    classifier = std::make_unique<NatClassifier>(world, o, [this](NatResult r) { result = std::move(r); });
    classifier->start();
    done_inside_start = result.has_value();
    REQUIRE(world.run());
    REQUIRE(result.has_value());
    CHECK_FALSE(done_inside_start);
  }
  std::uint64_t elapsed() const { return result->finished_ms - result->started_ms; }
};

SimNat cone(Behaviour filtering, Alloc alloc = Alloc::equal, int delta = 0) {
  SimNat n;
  n.filtering = filtering;
  n.alloc = alloc;
  n.delta = delta;
  return n;
}

SimNat symmetric(Behaviour mapping, Alloc alloc, int delta = 0) {
  SimNat n;
  n.mapping = mapping;
  n.filtering = Behaviour::address_and_port_dependent;
  n.alloc = alloc;
  n.delta = delta;
  return n;
}

// Delta probes (sends from sockets other than the first two) never overlap: each is
// sent after the one before it was answered.
void check_delta_in_order(const NatWorld& w) {
  std::vector<const SimSend*> delta;
  for (const auto& s : w.sends)
    if (s.socket > 2) delta.push_back(&s);
  for (std::size_t i = 1; i < delta.size(); ++i) {
    REQUIRE(delta[i - 1]->answered_ms != 0);
    CHECK(delta[i]->at_ms >= delta[i - 1]->answered_ms);
  }
}

}  // namespace

TEST_CASE("NAT classifier: full cone with port preservation", "[nat][classifier]") {
  Run r(cone(Behaviour::endpoint_independent), two_servers());
  const auto& n = *r.result;
  CHECK(n.type == NatType::full_cone);
  CHECK(n.mapping == Behaviour::endpoint_independent);
  CHECK(n.filtering == Behaviour::endpoint_independent);
  CHECK(n.delta == DeltaType::equal);
  CHECK(n.delta_value == 0);
  CHECK(n.nat);
  CHECK(n.confirmed);
  REQUIRE(n.external);
  CHECK(*n.external == r.world.external_ip());
  CHECK(n.server == "a.example:3478");
  CHECK(n.interface == "eth0");
  // Nothing timed out: the first round trip, the mapping test overlapping the
  // filtering test, then four delta probes one after another.
  CHECK(r.elapsed() == 6 * 20);
  // 2 first Bindings, 2 filtering, 1 mapping, 4 delta, 2 TCP.
  CHECK(n.requests == 11);
  check_delta_in_order(r.world);
}

TEST_CASE("NAT classifier: restricted cone, preserving delta", "[nat][classifier]") {
  Run r(cone(Behaviour::address_dependent, Alloc::preserving, 1000), two_servers());
  const auto& n = *r.result;
  CHECK(n.type == NatType::restricted_cone);
  CHECK(n.mapping == Behaviour::endpoint_independent);
  CHECK(n.filtering == Behaviour::address_dependent);
  CHECK(n.delta == DeltaType::preserving);
  CHECK(n.delta_value == 1000);
  // The change-IP answer never comes: the filtering timeout bounds the run, the
  // mapping and delta probes overlap it.
  CHECK(r.elapsed() == 20 + sim_schedule_ms(filter_timing()));
}

TEST_CASE("NAT classifier: port restricted cone, independent delta", "[nat][classifier]") {
  Run r(cone(Behaviour::address_and_port_dependent, Alloc::independent, 3), two_servers());
  const auto& n = *r.result;
  CHECK(n.type == NatType::port_restricted_cone);
  CHECK(n.filtering == Behaviour::address_and_port_dependent);
  CHECK(n.delta == DeltaType::independent);
  CHECK(n.delta_value == 3);
  check_delta_in_order(r.world);
}

TEST_CASE("NAT classifier: symmetric NATs, address and address+port dependent mapping", "[nat][classifier]") {
  SECTION("address and port dependent, dependent delta") {
    Run r(symmetric(Behaviour::address_and_port_dependent, Alloc::dependent, 2), two_servers());
    const auto& n = *r.result;
    CHECK(n.type == NatType::symmetric);
    CHECK(n.mapping == Behaviour::address_and_port_dependent);
    CHECK(n.delta == DeltaType::dependent);
    CHECK(n.delta_value == 2);
    // The two servers saw different mappings: the address is believed, not the port.
    CHECK(n.confirmed);
    check_delta_in_order(r.world);
  }
  SECTION("address dependent, independent delta") {
    Run r(symmetric(Behaviour::address_dependent, Alloc::independent, 1), two_servers());
    const auto& n = *r.result;
    CHECK(n.type == NatType::symmetric);
    CHECK(n.mapping == Behaviour::address_dependent);
    CHECK(n.delta == DeltaType::independent);
    CHECK(n.delta_value == 1);
  }
  SECTION("random allocation") {
    Run r(symmetric(Behaviour::address_and_port_dependent, Alloc::random), two_servers());
    const auto& n = *r.result;
    CHECK(n.type == NatType::symmetric);
    CHECK(n.delta == DeltaType::random);
    CHECK(n.delta_value == 0);
  }
}

TEST_CASE("NAT classifier: no NAT is open or a UDP firewall, delta not applicable", "[nat][classifier]") {
  SimNat none;
  none.nat = false;
  SECTION("open") {
    Run r(none, two_servers());
    CHECK(r.result->type == NatType::open);
    CHECK_FALSE(r.result->nat);
    CHECK(r.result->delta == DeltaType::not_applicable);
    CHECK(r.result->mapping == Behaviour::endpoint_independent);
    CHECK(r.result->filtering == Behaviour::endpoint_independent);
    // No mapping or delta probes without a NAT: 2 + 2 filtering + 2 TCP.
    CHECK(r.result->requests == 6);
    CHECK(r.elapsed() == 2 * 20);  // the filtering round trip; TCP takes two too
  }
  SECTION("firewall") {
    none.filtering = Behaviour::address_and_port_dependent;
    Run r(none, two_servers());
    CHECK(r.result->type == NatType::udp_firewall);
    CHECK(r.result->filtering == Behaviour::address_and_port_dependent);
    CHECK(r.result->delta == DeltaType::not_applicable);
  }
}

TEST_CASE("NAT classifier: blocked needs TCP answers, unknown when nothing answers", "[nat][classifier]") {
  SimNat n = cone(Behaviour::endpoint_independent);
  n.udp_dropped = true;
  SECTION("UDP dropped, TCP answers: blocked") {
    Run r(n, two_servers());
    CHECK(r.result->type == NatType::blocked);
    CHECK(r.result->tcp_answered);
    CHECK_FALSE(r.result->external);
    CHECK(r.result->delta == DeltaType::unknown);
    CHECK(r.elapsed() == sim_schedule_ms(timing()));
  }
  SECTION("everything dropped: unknown within the schedule") {
    n.tcp_dropped = true;
    Run r(n, two_servers());
    CHECK(r.result->type == NatType::unknown);
    CHECK(r.result->mapping == Behaviour::unknown);
    CHECK(r.result->filtering == Behaviour::unknown);
    CHECK(r.result->delta == DeltaType::unknown);
    CHECK_FALSE(r.result->tcp_answered);
    CHECK(r.elapsed() == sim_schedule_ms(timing()));
    CHECK(r.result->reason.find("no answer") != std::string::npos);
    CHECK(r.result->requests == 2 * 3 + 2);  // each Binding sent Rc times, one TCP each
  }
  SECTION("no servers: unknown, reported on a later turn") {
    Run r(n, {});
    CHECK(r.result->type == NatType::unknown);
    CHECK(r.result->reason.find("no STUN servers") != std::string::npos);
  }
}

TEST_CASE("NAT classifier: servers without RFC 5780", "[nat][classifier]") {
  SECTION("one mapping for two servers: endpoint-independent mapping, filtering untested") {
    Run r(cone(Behaviour::endpoint_independent), two_servers(false));
    CHECK(r.result->type == NatType::unknown);
    CHECK(r.result->mapping == Behaviour::endpoint_independent);
    CHECK(r.result->filtering == Behaviour::unknown);
    CHECK(r.result->delta == DeltaType::equal);
    CHECK(r.result->confirmed);
    CHECK(r.result->reason.find("RFC 5780") != std::string::npos);
  }
  SECTION("a mapping per server: symmetric") {
    Run r(symmetric(Behaviour::address_and_port_dependent, Alloc::independent, 1), two_servers(false));
    CHECK(r.result->type == NatType::symmetric);
    CHECK(r.result->delta == DeltaType::independent);
  }
  SECTION("the RFC 5780 server is used when one of them is") {
    auto servers = two_servers();
    servers[0].rfc5780 = false;
    Run r(cone(Behaviour::address_dependent), servers);
    CHECK(r.result->type == NatType::restricted_cone);
    CHECK(r.result->server == "b.example:3478");
  }
}

TEST_CASE("NAT classifier: agreement on the external address", "[nat][classifier]") {
  auto servers = two_servers();
  SECTION("one server lies: not confirmed") {
    servers[1].lie = sim_ep("192.0.2.99:1234");
    Run r(cone(Behaviour::endpoint_independent), servers);
    CHECK_FALSE(r.result->confirmed);
    CHECK_FALSE(r.result->external);
    CHECK(r.result->type == NatType::full_cone);  // the behaviour tests used server a
    CHECK(r.result->reason.find("not confirmed") != std::string::npos);
  }
  SECTION("a silent server: the other's answer alone is not confirmed; the wait is bounded") {
    servers[1].silent = true;
    Run r(cone(Behaviour::endpoint_independent), servers);
    CHECK_FALSE(r.result->confirmed);
    CHECK(r.result->type == NatType::full_cone);
    CHECK(r.elapsed() == sim_schedule_ms(timing()));
  }
  SECTION("three servers, one lies: the two that agree are believed") {
    servers.push_back(server("c.example:3478", "203.0.113.20:3478", "203.0.113.21:3479"));
    servers[2].lie = sim_ep("192.0.2.99:1234");
    Run r(cone(Behaviour::endpoint_independent), servers);
    CHECK(r.result->confirmed);
    REQUIRE(r.result->external);
    CHECK(*r.result->external == r.world.external_ip());
  }
}

TEST_CASE("NAT classifier: destroyed early, it calls nothing", "[nat][classifier]") {
  NatWorld world(cone(Behaviour::address_dependent), two_servers());
  world.tcp_timing = filter_timing();
  NatClassifierOptions o;
  o.local = world.local_ip();
  for (const auto& s : two_servers()) o.servers.push_back({s.name, s.primary});
  o.timing = timing();
  o.filter_timing = filter_timing();
  bool called = false;
  auto c = std::make_unique<NatClassifier>(world, o, [&](NatResult) { called = true; });
  c->start();
  c.reset();
  REQUIRE(world.run());
  CHECK_FALSE(called);
}
