// The STUN client on a real loop against a scripted RFC 5780 server on loopback:
// Binding answers and what they carry, CHANGE-REQUEST answered from the other address,
// retransmission on the RFC schedule, validation (transaction id, FINGERPRINT, source),
// error responses, TCP, parallel servers and their agreement.
#include <catch2/catch.hpp>

#include "core/traverse/stun_agreement.hpp"
#include "core/traverse/stun_query.hpp"
#include "core/traverse/stun_socket.hpp"
#include "core/traverse/stun_tcp.hpp"
#include "test_stun_loop_server.hpp"

using namespace p2pd;
using namespace p2pd::traverse;
using namespace p2pd::traverse::testing;

namespace {

turn::Timing quick() {
  turn::Timing t;
  t.rto_ms = 40;
  t.max_sends = 3;
  t.last_wait_rto = 2;
  t.timeout_ms = 2000;
  return t;
}

// For tests that count requests of answered probes: a first retransmission that a
// loaded machine (sanitizers, parallel tests) cannot trigger before the answer is read.
turn::Timing patient() {
  turn::Timing t = quick();
  t.rto_ms = 1000;
  t.timeout_ms = 10000;
  return t;
}

net::Endpoint ep(const char* text) { return net::Endpoint::parse(text).value(); }

struct Got {
  std::optional<Result<BindingAnswer>> r;
  StunSocket::Done done() {
    return [this](Result<BindingAnswer> a) { r = std::move(a); };
  }
};

}  // namespace

TEST_CASE("StunSocket: a Binding answer carries the mapped address, origin and other address", "[stun][client]") {
  loop::Loop loop;
  LoopStunServer server(loop);
  StunSocket socket(loop, patient(), "p2pd-test");
  REQUIRE(socket.open(ep("127.0.0.1:0")).ok());
  Got got;
  socket.probe({server.primary(), {}, {}}, got.done());
  REQUIRE(run_stun_until(loop, [&] { return got.r.has_value(); }));
  REQUIRE(got.r->ok());
  const auto& a = got.r->value();
  CHECK(a.mapped == *socket.local());
  CHECK(a.local == *socket.local());
  CHECK(a.from == server.primary());
  CHECK(a.response_origin == server.primary());
  CHECK(a.other_address == server.other());
  CHECK(a.software == "loop-stun");
  CHECK(a.xor_mapped);
  CHECK(a.sends == 1);
  CHECK(socket.counters().requests == 1);
  CHECK(socket.counters().answers == 1);
  CHECK(socket.pending() == 0);
}

TEST_CASE("StunSocket: CHANGE-REQUEST answers come from the changed address and keep the local port",
          "[stun][client]") {
  loop::Loop loop;
  LoopStunServer server(loop);
  StunSocket socket(loop, patient());
  REQUIRE(socket.open(ep("127.0.0.1:0")).ok());
  const std::pair<proto::stun::ChangeRequest, int> cases[] = {{{true, true}, 3}, {{false, true}, 1}, {{true, false}, 2}};
  for (const auto& [change, socket_index] : cases) {
    Got got;
    socket.probe({server.primary(), change, {}}, got.done());
    REQUIRE(run_stun_until(loop, [&] { return got.r.has_value(); }));
    REQUIRE(got.r->ok());
    CHECK(got.r->value().from == server.at(socket_index));
    CHECK(got.r->value().mapped == *socket.local());
  }
  REQUIRE(server.changes.size() == 3);
  CHECK(server.changes[0] == proto::stun::ChangeRequest{true, true});
  // With the expected source named, only that address may answer.
  StunSocket quick_socket(loop, quick());
  REQUIRE(quick_socket.open(ep("127.0.0.1:0")).ok());
  Got got;
  quick_socket.probe({server.primary(), {true, true}, server.at(1)}, got.done());
  REQUIRE(run_stun_until(loop, [&] { return got.r.has_value(); }));
  REQUIRE_FALSE(got.r->ok());
  CHECK(got.r->error().code == "timeout");
  CHECK(quick_socket.counters().wrong_source >= 1);
}

TEST_CASE("StunSocket: lost requests are retransmitted with doubling timeouts, then time out", "[stun][client]") {
  loop::Loop loop;
  LoopStunServer server(loop);
  StunSocket socket(loop, quick());
  REQUIRE(socket.open(ep("127.0.0.1:0")).ok());
  SECTION("two requests lost, the third answered") {
    server.drop_first = 2;
    Got got;
    const auto t0 = loop.now_ms();
    socket.probe({server.primary(), {}, {}}, got.done());
    REQUIRE(run_stun_until(loop, [&] { return got.r.has_value(); }));
    REQUIRE(got.r->ok());
    CHECK(got.r->value().sends == 3);
    CHECK(server.requests == 3);
    CHECK(loop.now_ms() - t0 >= 40 + 80);  // RTO, then 2 RTO
  }
  SECTION("silence: Rc sends, Rm x RTO of waiting after the last") {
    server.silent = true;
    Got got;
    const auto t0 = loop.now_ms();
    socket.probe({server.primary(), {}, {}}, got.done());
    REQUIRE(run_stun_until(loop, [&] { return got.r.has_value(); }));
    const auto took = loop.now_ms() - t0;
    REQUIRE_FALSE(got.r->ok());
    CHECK(got.r->error().code == "timeout");
    CHECK(server.requests == 3);
    CHECK(took >= 40 + 80 + 80);  // 40, 80, then 2 x 40
    CHECK(took < 600);
  }
  SECTION("the total cap ends the schedule early") {
    server.silent = true;
    auto t = quick();
    t.max_sends = 7;
    t.last_wait_rto = 16;
    t.timeout_ms = 150;
    StunSocket capped(loop, t);
    REQUIRE(capped.open(ep("127.0.0.1:0")).ok());
    Got got;
    const auto t0 = loop.now_ms();
    capped.probe({server.primary(), {}, {}}, got.done());
    REQUIRE(run_stun_until(loop, [&] { return got.r.has_value(); }));
    CHECK(loop.now_ms() - t0 >= 150);
    CHECK(loop.now_ms() - t0 < 400);
    CHECK(server.requests == 3);  // at 0, 40 and 120 ms
  }
}

TEST_CASE("StunSocket: answers with a foreign id, a broken fingerprint or from the wrong source are dropped",
          "[stun][client]") {
  loop::Loop loop;
  LoopStunServer server(loop);
  server.wrong_id_first = true;
  server.bad_fingerprint_first = true;
  server.wrong_source_first = true;
  StunSocket socket(loop, patient());
  REQUIRE(socket.open(ep("127.0.0.1:0")).ok());
  Got got;
  socket.probe({server.primary(), {}, {}}, got.done());
  REQUIRE(run_stun_until(loop, [&] { return got.r.has_value(); }));
  REQUIRE(got.r->ok());
  CHECK(got.r->value().from == server.primary());
  CHECK(socket.counters().stray == 1);
  CHECK(socket.counters().malformed == 1);
  CHECK(socket.counters().wrong_source == 1);
  CHECK(socket.counters().answers == 1);
}

TEST_CASE("StunSocket: error responses, classic servers, other families and closing", "[stun][client]") {
  loop::Loop loop;
  LoopStunServer server(loop);
  StunSocket socket(loop, quick());
  REQUIRE(socket.open(ep("127.0.0.1:0")).ok());
  SECTION("an error response ends the probe with its code") {
    server.error_code = 420;
    Got got;
    socket.probe({server.primary(), {true, true}, {}}, got.done());
    REQUIRE(run_stun_until(loop, [&] { return got.r.has_value(); }));
    REQUIRE_FALSE(got.r->ok());
    CHECK(got.r->error().code == "stun_error");
    CHECK(got.r->error().message.rfind("420", 0) == 0);
  }
  SECTION("an RFC 3489 server: MAPPED-ADDRESS and CHANGED-ADDRESS") {
    server.classic = true;
    Got got;
    socket.probe({server.primary(), {}, {}}, got.done());
    REQUIRE(run_stun_until(loop, [&] { return got.r.has_value(); }));
    REQUIRE(got.r->ok());
    CHECK_FALSE(got.r->value().xor_mapped);
    CHECK(got.r->value().mapped == *socket.local());
    CHECK(got.r->value().other_address == server.other());
    CHECK(got.r->value().response_origin == server.primary());
  }
  SECTION("a server of the other family is refused at once") {
    Got got;
    socket.probe({ep("[::1]:3478"), {}, {}}, got.done());
    REQUIRE(got.r.has_value());
    CHECK(got.r->error().code == "bad_request");
  }
  SECTION("close() ends pending probes; a callback may destroy the socket") {
    server.silent = true;
    auto owned = std::make_unique<StunSocket>(loop, quick());
    REQUIRE(owned->open(ep("127.0.0.1:0")).ok());
    int calls = 0;
    auto destroy = [&](Result<BindingAnswer> r) {
      ++calls;
      CHECK(r.error().code == "closed");
      owned.reset();
    };
    owned->probe({server.primary(), {}, {}}, destroy);
    owned->probe({server.primary(), {}, {}}, destroy);
    owned->close();
    CHECK(calls == 1);  // the other callback was dropped with the socket
    CHECK(owned == nullptr);
  }
}

TEST_CASE("StunTcpProbe: one Binding over TCP, silence times out", "[stun][client]") {
  loop::Loop loop;
  LoopStunServer server(loop);
  std::optional<Result<BindingAnswer>> got;
  StunTcpProbe probe(loop, quick());
  probe.start(server.primary(), ep("127.0.0.1:0"), [&](Result<BindingAnswer> r) { got = std::move(r); });
  REQUIRE(run_stun_until(loop, [&] { return got.has_value(); }));
  REQUIRE(got->ok());
  CHECK(got->value().mapped == got->value().local);
  CHECK(got->value().from == server.primary());
  CHECK(server.tcp_requests == 1);

  server.tcp_silent = true;
  auto t = quick();
  t.timeout_ms = 200;
  std::optional<Result<BindingAnswer>> late;
  StunTcpProbe silent(loop, t);
  const auto t0 = loop.now_ms();
  silent.start(server.primary(), std::nullopt, [&](Result<BindingAnswer> r) { late = std::move(r); });
  REQUIRE(run_stun_until(loop, [&] { return late.has_value(); }));
  CHECK(late->error().code == "timeout");
  CHECK(loop.now_ms() - t0 >= 200);
}

TEST_CASE("agree(): the most reported address is believed when enough servers report it", "[stun][agreement]") {
  const auto a = ep("203.0.113.5:4000"), a2 = ep("203.0.113.5:4001"), b = ep("198.51.100.7:4000");
  std::vector<ServerReport> two_same{{"s1", a}, {"s2", a}};
  auto r = agree(two_same, 2);
  REQUIRE(r.believed());
  CHECK(r.external->to_string() == "203.0.113.5");
  CHECK(r.same_port);
  CHECK(r.port == 4000);
  CHECK(r.dissent.empty());

  std::vector<ServerReport> ports{{"s1", a}, {"s2", a2}};
  r = agree(ports, 2);
  REQUIRE(r.believed());
  CHECK_FALSE(r.same_port);
  CHECK_FALSE(r.port.has_value());

  std::vector<ServerReport> one{{"s1", a}};
  CHECK_FALSE(agree(one, 2).believed());  // unconfirmed
  CHECK(agree(one, 1).believed());

  std::vector<ServerReport> split{{"s1", a}, {"s2", b}};
  r = agree(split, 1);
  CHECK_FALSE(r.believed());  // a tie is not believed
  CHECK(r.dissent.size() == 1);

  std::vector<ServerReport> liar{{"s1", a}, {"s2", b}, {"s3", a2}};
  r = agree(liar, 2);
  REQUIRE(r.believed());
  CHECK(r.agreeing == 2);
  CHECK(r.dissent == std::vector<std::string>{"s2"});
  CHECK(agree({}, 2).answered == 0);
}

TEST_CASE("StunQuery: several servers in parallel over UDP and TCP, with agreement", "[stun][query]") {
  loop::Loop loop;
  LoopStunServer s1(loop), s2(loop), liar(loop);
  liar.lie = ep("198.51.100.9:1234");
  auto hp = [](const net::Endpoint& e) { return net::HostPort::parse(e.to_string()).value(); };
  StunQueryOptions o;
  o.servers = {hp(s1.primary()), hp(s2.primary()), hp(liar.primary()), net::HostPort{"name.invalid", 3478}};
  o.local_address = net::IpAddress::parse("127.0.0.1").value();
  o.tcp = true;
  o.timing = patient();
  std::optional<StunQueryResult> got;
  StunQuery q(loop, o);
  q.start([&](StunQueryResult r) { got = std::move(r); });
  REQUIRE(run_stun_until(loop, [&] { return got.has_value(); }, 10000));
  REQUIRE(got->outcomes.size() == 8);
  CHECK(got->outcomes[0].server == s1.primary().to_string());
  CHECK(got->outcomes[0].transport == "udp");
  CHECK(got->outcomes[1].transport == "tcp");
  for (int i = 0; i < 6; ++i) CHECK(got->outcomes[i].answer.has_value());
  CHECK(got->outcomes[6].error->code == "unreachable");
  CHECK(got->outcomes[7].error->code == "unreachable");
  // One socket for all UDP servers: the same local port everywhere.
  CHECK(got->outcomes[0].answer->local == got->outcomes[2].answer->local);
  CHECK(got->udp_local == got->outcomes[0].answer->local);
  REQUIRE(got->udp.believed());
  CHECK(got->udp.external->to_string() == "127.0.0.1");
  CHECK(got->udp.agreeing == 2);
  CHECK(got->udp.dissent == std::vector<std::string>{liar.primary().to_string()});
  CHECK(got->udp.same_port);
  CHECK(got->udp.port == got->udp_local->port);
  REQUIRE(got->tcp.believed());
  CHECK_FALSE(got->tcp.same_port);  // one connection per server, each its own port
  CHECK(got->requests == 6);
}

TEST_CASE("StunQuery: with no server answering every outcome is an error and nothing is believed", "[stun][query]") {
  loop::Loop loop;
  LoopStunServer s1(loop);
  s1.silent = true;
  s1.tcp_silent = true;
  StunQueryOptions o;
  o.servers = {net::HostPort::parse(s1.primary().to_string()).value()};
  o.tcp = true;
  o.timing = quick();
  o.timing.timeout_ms = 300;
  std::optional<StunQueryResult> got;
  StunQuery q(loop, o);
  const auto t0 = loop.now_ms();
  q.start([&](StunQueryResult r) { got = std::move(r); });
  REQUIRE(run_stun_until(loop, [&] { return got.has_value(); }));
  CHECK(loop.now_ms() - t0 <= 1000);
  CHECK(got->outcomes[0].error->code == "timeout");
  CHECK(got->outcomes[1].error->code == "timeout");
  CHECK_FALSE(got->udp.believed());
  CHECK_FALSE(got->tcp.believed());

  StunQueryOptions none;
  std::optional<StunQueryResult> empty;
  StunQuery nothing(loop, none);
  nothing.start([&](StunQueryResult r) { empty = std::move(r); });
  REQUIRE(run_stun_until(loop, [&] { return empty.has_value(); }));
  CHECK(empty->outcomes.empty());
}
