// The PCP and NAT-PMP mappers on a real loop against a scripted gateway on 127.0.0.1:
// mappings granted, renewed with the same nonce and deleted, retransmission on the
// schedule, giving up after the total time, the other protocol's answer read as
// "unsupported", result codes as error values, answers from another port ignored.
#include <catch2/catch.hpp>

#include <optional>

#include "core/portmap/gateway.hpp"
#include "core/portmap/natpmp_mapper.hpp"
#include "core/portmap/pcp_mapper.hpp"
#include "core/portmap/retransmit.hpp"
#include "test_loop_support.hpp"
#include "test_portmap_fake_gateway.hpp"

using namespace p2pd;
using namespace p2pd::portmap;
using p2pd::portmap::testing::FakeGateway;

namespace {

Gateway gateway_at(const FakeGateway& fake) {
  Gateway g;
  g.server = fake.endpoint();
  g.local = net::IpAddress::parse("127.0.0.1").value();
  return g;
}

template <class T>
bool run_until_set(loop::Loop& loop, const std::optional<T>& slot, std::uint64_t ms = 5000) {
  return p2pd::testing::run_loop_until(loop, [&] { return slot.has_value(); }, ms, 10);
}

MapRequest request(Protocol protocol, std::uint16_t port, std::uint32_t lifetime = 3600) {
  MapRequest r;
  r.protocol = protocol;
  r.internal_port = port;
  r.lifetime_s = lifetime;
  return r;
}

// map() on `mapper`, the loop run until it answers.
template <class Mapper>
std::optional<Result<Mapping>> map_once(loop::Loop& loop, Mapper& mapper, const MapRequest& r) {
  std::optional<Result<Mapping>> got;
  mapper.map(r, [&](Result<Mapping> m) { got.emplace(std::move(m)); });
  REQUIRE(run_until_set(loop, got));
  return got;
}

}  // namespace

TEST_CASE("retransmit: RFC 6886 doubling from 250 ms, PCP's jitter and cap", "[portmap]") {
  const auto n = natpmp_schedule(64000);
  CHECK(n.max_sends == 9);
  CHECK(next_wait_ms(n, 0, 1.0) == 250);
  CHECK(next_wait_ms(n, 250, -1.0) == 500);
  CHECK(next_wait_ms(n, 32000, 0) == 64000);

  auto p = pcp_schedule(10000);
  CHECK(next_wait_ms(p, 0, 0) == 250);
  CHECK(next_wait_ms(p, 0, 1.0) == 275);
  CHECK(next_wait_ms(p, 0, -1.0) == 225);
  CHECK(next_wait_ms(p, 1000, 0) == 2000);
  p.max_wait_ms = 1500;
  CHECK(next_wait_ms(p, 1000, 0) == 1500);
  CHECK(next_wait_ms(p, 1000, 1.0) == 1650);  // MRT scaled by 1 + RAND too
}

TEST_CASE("PCP mapper: MAP granted, renewed with the same nonce, deleted", "[portmap]") {
  loop::Loop loop;
  FakeGateway fake(loop);
  fake.max_lifetime = 120;
  PcpMapper mapper(loop, gateway_at(fake), pcp_schedule(2000));

  std::optional<Result<Mapping>> got;
  mapper.map(request(Protocol::udp, 4242), [&](Result<Mapping> r) { got.emplace(std::move(r)); });
  CHECK_FALSE(got.has_value());  // never inside map()
  REQUIRE(run_until_set(loop, got));
  REQUIRE(got->ok());
  const Mapping m = got->value();
  CHECK(m.method == Method::pcp);
  CHECK(m.protocol == Protocol::udp);
  CHECK(m.internal_port == 4242);
  CHECK(m.external.to_string() == "203.0.113.7:14242");
  CHECK(m.lifetime_s == 120);  // capped by the gateway
  CHECK(m.epoch == 1000);

  REQUIRE(fake.pcp_requests.size() == 1);
  const auto& sent = fake.pcp_requests[0];
  CHECK(sent.lifetime == 3600);
  CHECK(sent.client_address == proto::pcp::ipv4_mapped({127, 0, 0, 1}));
  CHECK(sent.map->nonce == m.nonce);
  CHECK(sent.map->protocol == proto::pcp::kProtocolUdp);
  CHECK(sent.map->external_address == proto::pcp::ipv4_mapped({0, 0, 0, 0}));

  MapRequest renew = request(Protocol::udp, 4242, 600);
  renew.nonce = m.nonce;
  renew.external_port = m.external.port;
  got.reset();
  mapper.map(renew, [&](Result<Mapping> r) { got.emplace(std::move(r)); });
  REQUIRE(run_until_set(loop, got));
  REQUIRE(got->ok());
  CHECK(got->value().nonce == m.nonce);
  REQUIRE(fake.pcp_requests.size() == 2);
  CHECK(fake.pcp_requests[1].map->nonce == m.nonce);
  CHECK(fake.pcp_requests[1].map->external_port == 14242);

  std::optional<Status> gone;
  mapper.unmap(m, [&](Status s) { gone.emplace(std::move(s)); });
  REQUIRE(run_until_set(loop, gone));
  CHECK(gone->ok());
  REQUIRE(fake.pcp_requests.size() == 3);
  CHECK(fake.pcp_requests[2].lifetime == 0);
  CHECK(fake.pcp_requests[2].map->nonce == m.nonce);
  CHECK(fake.table.empty());
  CHECK(mapper.pending() == 0);
}

TEST_CASE("PCP mapper: TCP and UDP at once, each answer to its request", "[portmap]") {
  loop::Loop loop;
  FakeGateway fake(loop);
  PcpMapper mapper(loop, gateway_at(fake), pcp_schedule(2000));
  std::optional<Result<Mapping>> udp, tcp;
  mapper.map(request(Protocol::udp, 5000), [&](Result<Mapping> r) { udp.emplace(std::move(r)); });
  mapper.map(request(Protocol::tcp, 5001), [&](Result<Mapping> r) { tcp.emplace(std::move(r)); });
  CHECK(mapper.pending() == 2);
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return udp && tcp; }, 5000, 10));
  REQUIRE(udp->ok());
  REQUIRE(tcp->ok());
  CHECK(udp->value().external.port == 15000);
  CHECK(tcp->value().protocol == Protocol::tcp);
  CHECK(tcp->value().external.port == 15001);
  CHECK(udp->value().nonce != tcp->value().nonce);
  CHECK(fake.table.size() == 2);
}

TEST_CASE("PCP mapper: a NAT-PMP-only gateway is unsupported at once", "[portmap]") {
  loop::Loop loop;
  FakeGateway fake(loop);
  fake.speaks_pcp = false;
  PcpMapper mapper(loop, gateway_at(fake), pcp_schedule(2000));
  const auto start = loop.now_ms();
  auto got = map_once(loop, mapper, request(Protocol::udp, 4242));
  REQUIRE_FALSE(got->ok());
  CHECK(got->error().code == "unsupported");
  CHECK(fake.requests == 1);
  CHECK(loop.now_ms() - start < 200);
}

TEST_CASE("PCP mapper: result codes become error values", "[portmap]") {
  using RC = proto::pcp::ResultCode;
  struct Case {
    RC result;
    const char* code;
  };
  for (auto c : {Case{RC::not_authorized, "not_authorized"}, Case{RC::no_resources, "no_resources"},
                 Case{RC::cannot_provide_external, "port_taken"}, Case{RC::unsupp_protocol, "unsupported"},
                 Case{RC::address_mismatch, "failed"}}) {
    loop::Loop loop;
    FakeGateway fake(loop);
    fake.pcp_result = static_cast<std::uint8_t>(c.result);
    PcpMapper mapper(loop, gateway_at(fake), pcp_schedule(2000));
    auto got = map_once(loop, mapper, request(Protocol::tcp, 80));
    REQUIRE_FALSE(got->ok());
    CHECK(got->error().code == c.code);
    CHECK(got->error().message.find(proto::pcp::result_name(static_cast<std::uint8_t>(c.result))) != std::string::npos);
  }
}

TEST_CASE("PCP mapper: lost requests are sent again on the schedule", "[portmap]") {
  loop::Loop loop;
  FakeGateway fake(loop);
  fake.drop_first = 2;
  PcpMapper mapper(loop, gateway_at(fake), pcp_schedule(5000));
  const auto start = loop.now_ms();
  auto got = map_once(loop, mapper, request(Protocol::udp, 4242));
  REQUIRE(got->ok());
  CHECK(fake.requests == 3);
  // Sent at 0, ~250 and ~750 ms: RT1 = (1 + RAND) * 250, RT2 = (1 + RAND) * 2 * RT1 with
  // RAND in [-0.1, 0.1], so the third send is at least 225 + 405 = 630 ms in.
  const auto took = loop.now_ms() - start;
  CHECK(took >= 630);
  CHECK(took < 1500);
  // Every retransmission is the same request from the same socket.
  REQUIRE(fake.sources.size() == 3);
  CHECK(fake.sources[0] == fake.sources[2]);
}

TEST_CASE("PCP mapper: a silent gateway times out after the total time", "[portmap]") {
  loop::Loop loop;
  FakeGateway fake(loop);
  fake.silent = true;
  PcpMapper mapper(loop, gateway_at(fake), pcp_schedule(1000));
  const auto start = loop.now_ms();
  auto got = map_once(loop, mapper, request(Protocol::udp, 4242));
  REQUIRE_FALSE(got->ok());
  CHECK(got->error().code == "timeout");
  const auto took = loop.now_ms() - start;
  CHECK(took >= 990);
  CHECK(took < 1400);
  CHECK(fake.requests == 3);  // 0, ~250, ~750 ms
  CHECK(mapper.pending() == 0);
}

namespace {
// A gateway address whose port 5351-alike is closed: a UDP port bound and released, so
// the kernel answers ICMP port unreachable.
Gateway closed_gateway(loop::Loop& loop) {
  Gateway g;
  g.local = net::IpAddress::parse("127.0.0.1").value();
  loop::Udp probe(loop);
  REQUIRE(probe.bind(net::Endpoint{g.local, 0}).ok());
  g.server = probe.local_endpoint().value();
  probe.close();
  return g;
}
}  // namespace

TEST_CASE("PCP and NAT-PMP mappers: a closed port (ICMP port unreachable) ends the exchange at once", "[portmap]") {
  loop::Loop loop;
  const Gateway g = closed_gateway(loop);
  const auto start = loop.now_ms();
  PcpMapper pcp(loop, g, pcp_schedule(2000));
  auto got = map_once(loop, pcp, request(Protocol::udp, 4242));
  REQUIRE_FALSE(got->ok());
  CHECK(got->error().code == "refused");
  CHECK(got->error().message.find("PCP: ") == 0);
  CHECK(got->error().message.find("ICMP port unreachable") != std::string::npos);
  NatPmpMapper natpmp(loop, g, natpmp_schedule(2000));
  got = map_once(loop, natpmp, request(Protocol::tcp, 4242));
  REQUIRE_FALSE(got->ok());
  CHECK(got->error().code == "refused");
  CHECK(got->error().message.find("NAT-PMP: ") == 0);
  CHECK(loop.now_ms() - start < 200);  // not the 2 x 2 s of their schedules
  CHECK(pcp.pending() == 0);
  CHECK(natpmp.pending() == 0);
}

TEST_CASE("PCP mapper: an answer from another port is ignored", "[portmap]") {
  loop::Loop loop;
  FakeGateway fake(loop);
  fake.stray_first = true;
  fake.force_port = 9999;
  PcpMapper mapper(loop, gateway_at(fake), pcp_schedule(2000));
  auto got = map_once(loop, mapper, request(Protocol::udp, 4242));
  REQUIRE(got->ok());
  CHECK(got->value().external.port == 9999);
  CHECK(fake.requests == 1);
}

TEST_CASE("PCP mapper: dropped mapper requests never call back", "[portmap]") {
  loop::Loop loop;
  FakeGateway fake(loop);
  fake.silent = true;
  bool called = false;
  {
    PcpMapper mapper(loop, gateway_at(fake), pcp_schedule(300));
    mapper.map(request(Protocol::udp, 1), [&](Result<Mapping>) { called = true; });
    mapper.cancel_all();
    CHECK(mapper.pending() == 0);
    mapper.map(request(Protocol::udp, 2), [&](Result<Mapping>) { called = true; });
  }
  (void)p2pd::testing::run_loop_until(loop, [] { return false; }, 500, 10);
  CHECK_FALSE(called);
}

TEST_CASE("NAT-PMP mapper: external address and mapping, then deletion", "[portmap]") {
  loop::Loop loop;
  FakeGateway fake(loop);
  fake.speaks_pcp = false;
  fake.max_lifetime = 60;
  NatPmpMapper mapper(loop, gateway_at(fake), natpmp_schedule(2000));

  std::optional<Result<Mapping>> got;
  MapRequest r = request(Protocol::tcp, 8080, 3600);
  r.external_port = 18080;
  mapper.map(r, [&](Result<Mapping> m) { got.emplace(std::move(m)); });
  REQUIRE(run_until_set(loop, got));
  REQUIRE(got->ok());
  const Mapping m = got->value();
  CHECK(m.method == Method::natpmp);
  CHECK(m.protocol == Protocol::tcp);
  CHECK(m.internal_port == 8080);
  CHECK(m.external.to_string() == "203.0.113.7:18080");
  CHECK(m.lifetime_s == 60);
  CHECK(m.epoch == 1000);
  REQUIRE(fake.natpmp_requests.size() == 2);
  CHECK(fake.natpmp_requests[0].opcode == proto::natpmp::Opcode::external_address);
  CHECK(fake.natpmp_requests[1].opcode == proto::natpmp::Opcode::map_tcp);
  CHECK(fake.natpmp_requests[1].external_port == 18080);
  CHECK(fake.natpmp_requests[1].lifetime == 3600);

  std::optional<Status> gone;
  mapper.unmap(m, [&](Status s) { gone.emplace(std::move(s)); });
  REQUIRE(run_until_set(loop, gone));
  CHECK(gone->ok());
  REQUIRE(fake.natpmp_requests.size() == 3);
  CHECK(fake.natpmp_requests[2].lifetime == 0);
  CHECK(fake.natpmp_requests[2].external_port == 0);
  CHECK(fake.natpmp_requests[2].internal_port == 8080);
  CHECK(fake.table.empty());
}

TEST_CASE("NAT-PMP mapper: a PCP-only gateway is unsupported at once", "[portmap]") {
  loop::Loop loop;
  FakeGateway fake(loop);
  fake.speaks_natpmp = false;
  NatPmpMapper mapper(loop, gateway_at(fake), natpmp_schedule(2000));
  std::optional<Result<Mapping>> got;
  mapper.map(request(Protocol::udp, 4242), [&](Result<Mapping> r) { got.emplace(std::move(r)); });
  REQUIRE(run_until_set(loop, got, 1000));
  REQUIRE_FALSE(got->ok());
  CHECK(got->error().code == "unsupported");
  CHECK(fake.requests == 1);
}

TEST_CASE("NAT-PMP mapper: refusals, retransmission and timeout", "[portmap]") {
  loop::Loop loop;
  SECTION("NOT_AUTHORIZED") {
    FakeGateway fake(loop);
    fake.natpmp_result = static_cast<std::uint16_t>(proto::natpmp::ResultCode::not_authorized);
    NatPmpMapper mapper(loop, gateway_at(fake), natpmp_schedule(2000));
    auto got = map_once(loop, mapper, request(Protocol::udp, 4242));
    REQUIRE_FALSE(got->ok());
    CHECK(got->error().code == "not_authorized");
    CHECK(got->error().message.find("NOT_AUTHORIZED") != std::string::npos);
  }
  SECTION("a lost first request is sent again after 250 ms") {
    FakeGateway fake(loop);
    fake.drop_first = 1;
    NatPmpMapper mapper(loop, gateway_at(fake), natpmp_schedule(2000));
    const auto start = loop.now_ms();
    auto got = map_once(loop, mapper, request(Protocol::udp, 4242));
    REQUIRE(got->ok());
    CHECK(fake.requests == 3);  // address request twice, then the mapping
    CHECK(loop.now_ms() - start >= 245);
  }
  SECTION("silence: timeout after the total time, 250 + 500 ms apart") {
    FakeGateway fake(loop);
    fake.silent = true;
    NatPmpMapper mapper(loop, gateway_at(fake), natpmp_schedule(1000));
    const auto start = loop.now_ms();
    auto got = map_once(loop, mapper, request(Protocol::udp, 4242));
    REQUIRE_FALSE(got->ok());
    CHECK(got->error().code == "timeout");
    CHECK(got->error().message.find("NAT-PMP") != std::string::npos);
    CHECK(fake.requests == 3);
    CHECK(loop.now_ms() - start >= 990);
  }
}

TEST_CASE("gateway: source address toward a destination, default gateway of a snapshot", "[portmap]") {
  auto local = source_address_toward(net::IpAddress::parse("127.0.0.1").value());
  REQUIRE(local);
  CHECK(local->to_string() == "127.0.0.1");

  net::Snapshot snap;
  auto none = default_gateway(snap, net::Family::v4);
  REQUIRE_FALSE(none);
  CHECK(none.error().code == "no_gateway");

  net::Interface lo;
  lo.name = "lo";
  lo.index = 1;
  snap.interfaces.push_back(lo);
  net::DefaultRoute route;
  route.index = 1;
  snap.default_v4 = route;
  auto no_address = default_gateway(snap, net::Family::v4);
  REQUIRE_FALSE(no_address);
  CHECK(no_address.error().code == "no_gateway");

  route.gateway = net::IpAddress::parse("127.0.0.1").value();
  snap.default_v4 = route;
  auto g = default_gateway(snap, net::Family::v4);
  REQUIRE(g);
  CHECK(g->server.to_string() == "127.0.0.1:5351");
  CHECK(g->local.to_string() == "127.0.0.1");
  CHECK(g->interface == "lo");
}
