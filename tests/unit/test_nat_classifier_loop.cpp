// The NAT classifier on a real loop (LoopNatProbes: StunSocket and StunTcpProbe) against
// scripted RFC 5780 servers on loopback, where nothing is translated: `open`; UDP
// silence with TCP answers: `blocked`; silence everywhere: `unknown` within the schedule.
#include <catch2/catch.hpp>

#include <memory>

#include "core/traverse/nat_classifier.hpp"
#include "test_stun_loop_server.hpp"

using namespace p2pd;
using namespace p2pd::traverse;
using namespace p2pd::traverse::testing;

namespace {

turn::Timing quick() {
  turn::Timing t;
  t.rto_ms = 100;
  t.max_sends = 3;
  t.last_wait_rto = 2;
  t.timeout_ms = 600;
  return t;
}

std::optional<NatResult> classify(loop::Loop& loop, LoopStunServer& s1, LoopStunServer& s2, std::uint64_t* requests) {
  LoopNatProbes probes(loop, {}, quick());
  NatClassifierOptions o;
  o.interface = "lo";
  o.local = net::IpAddress::parse("127.0.0.1").value();
  o.servers = {{"s1", s1.primary()}, {"s2", s2.primary()}};
  o.timing = quick();
  o.filter_timing = quick();
  std::optional<NatResult> got;
  NatClassifier c(probes, o, [&](NatResult r) { got = std::move(r); });
  c.start();
  CHECK_FALSE(got.has_value());
  REQUIRE(run_stun_until(loop, [&] { return got.has_value(); }, 5000));
  *requests = probes.requests();
  return got;
}

}  // namespace

TEST_CASE("NAT classifier on the loop: loopback is open", "[nat][classifier][loop]") {
  loop::Loop loop;
  LoopStunServer s1(loop), s2(loop);
  std::uint64_t requests = 0;
  auto r = classify(loop, s1, s2, &requests);
  CHECK(r->type == NatType::open);
  CHECK_FALSE(r->nat);
  CHECK(r->mapping == Behaviour::endpoint_independent);
  CHECK(r->filtering == Behaviour::endpoint_independent);
  CHECK(r->delta == DeltaType::not_applicable);
  CHECK(r->confirmed);
  REQUIRE(r->external);
  CHECK(r->external->to_string() == "127.0.0.1");
  CHECK(r->tcp_answered);
  CHECK(r->server == "s1");
  // The filtering requests asked for another IP and port, and for another port.
  REQUIRE(s1.changes.size() >= 3);
  CHECK(s1.changes[1] == proto::stun::ChangeRequest{true, true});
  CHECK(s1.changes[2] == proto::stun::ChangeRequest{false, true});
  CHECK(requests >= 6);  // 2 first Bindings, 2 filtering, 2 TCP
}

TEST_CASE("NAT classifier on the loop: UDP silent, TCP answering is blocked, all silent is unknown",
          "[nat][classifier][loop]") {
  loop::Loop loop;
  LoopStunServer s1(loop), s2(loop);
  s1.silent = s2.silent = true;
  std::uint64_t requests = 0;
  SECTION("blocked") {
    const auto t0 = loop.now_ms();
    auto r = classify(loop, s1, s2, &requests);
    CHECK(r->type == NatType::blocked);
    CHECK(r->tcp_answered);
    CHECK(loop.now_ms() - t0 < 2000);
  }
  SECTION("unknown") {
    s1.tcp_silent = s2.tcp_silent = true;
    const auto t0 = loop.now_ms();
    auto r = classify(loop, s1, s2, &requests);
    CHECK(r->type == NatType::unknown);
    CHECK_FALSE(r->tcp_answered);
    CHECK(loop.now_ms() - t0 >= 500);  // 100 + 200 + 2 x 100
    CHECK(loop.now_ms() - t0 < 2000);
    CHECK(requests == 2 * 3 + 2);
  }
}
