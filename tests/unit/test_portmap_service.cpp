// The PortMapper service against the scripted gateway on 127.0.0.1: PCP first, NAT-PMP
// when the gateway does not speak PCP (and remembered), renewal at half the lifetime,
// a mapping lost when renewals fail until expiry and made again, remove and shutdown
// deleting on the gateway, a gateway that never answers reported with both reasons.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/portmap/port_mapper.hpp"
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

PortMapperOptions quick() {
  PortMapperOptions o;
  o.timeout_ms = 300;
  o.retry_ms = 300;
  return o;
}

struct Seen {
  std::vector<std::string> events;
  MapChange fn() {
    return [this](const MapEntry&, std::string_view what) { events.emplace_back(what); };
  }
  int count(const char* what) const { return static_cast<int>(std::count(events.begin(), events.end(), what)); }
};

template <class F>
bool run(loop::Loop& loop, F done, std::uint64_t ms = 5000) {
  return p2pd::testing::run_loop_until(loop, done, ms, 10);
}

}  // namespace

TEST_CASE("PortMapper: PCP mapping appears, renews at half its lifetime, deleted at shutdown", "[portmap]") {
  loop::Loop loop;
  FakeGateway fake(loop);
  fake.max_lifetime = 2;
  Seen seen;
  PortMapper mapper(loop, gateway_at(fake), quick(), seen.fn());
  const auto id = mapper.add(Protocol::udp, 4000);
  REQUIRE(mapper.entries().at(id).state == MapState::mapping);
  REQUIRE(run(loop, [&] { return seen.count("appeared") == 1; }));
  const MapEntry& e = mapper.entries().at(id);
  CHECK(e.state == MapState::mapped);
  CHECK(e.mapping->method == Method::pcp);
  CHECK(e.mapping->external.to_string() == "203.0.113.7:14000");
  CHECK(mapper.method() == Method::pcp);
  REQUIRE(run(loop, [&] { return seen.count("renewed") >= 1; }, 3000));
  CHECK(mapper.entries().at(id).renewals >= 1);
  REQUIRE(fake.pcp_requests.size() >= 2);
  CHECK(fake.pcp_requests[1].map->nonce == fake.pcp_requests[0].map->nonce);
  CHECK(fake.pcp_requests[1].map->external_port == 14000);

  bool done = false;
  mapper.shutdown(1000, [&] { done = true; });
  REQUIRE(run(loop, [&] { return done; }));
  CHECK(fake.table.empty());
  CHECK(fake.pcp_requests.back().lifetime == 0);
  CHECK(mapper.entries().empty());
}

TEST_CASE("PortMapper: a NAT-PMP-only gateway gets NAT-PMP, remembered for the next mapping", "[portmap]") {
  loop::Loop loop;
  FakeGateway fake(loop);
  fake.speaks_pcp = false;
  Seen seen;
  PortMapper mapper(loop, gateway_at(fake), quick(), seen.fn());
  const auto a = mapper.add(Protocol::tcp, 4001);
  REQUIRE(run(loop, [&] { return seen.count("appeared") == 1; }));
  CHECK(mapper.entries().at(a).mapping->method == Method::natpmp);
  CHECK(mapper.method() == Method::natpmp);
  CHECK(fake.requests == 3);  // PCP (answered "unsupported"), address, mapping
  const auto b = mapper.add(Protocol::udp, 4002);
  REQUIRE(run(loop, [&] { return seen.count("appeared") == 2; }));
  CHECK(mapper.entries().at(b).mapping->method == Method::natpmp);
  CHECK(fake.requests == 5);  // no PCP request this time

  std::optional<Status> gone;
  CHECK(mapper.remove(a, [&](Status s) { gone.emplace(std::move(s)); }));
  CHECK_FALSE(mapper.remove(a));
  REQUIRE(run(loop, [&] { return gone.has_value(); }));
  CHECK(gone->ok());
  CHECK(fake.table.size() == 1);
  CHECK(fake.table.count({17, 4002}) == 1);
}

TEST_CASE("PortMapper: a silent gateway fails with each protocol's reason", "[portmap]") {
  loop::Loop loop;
  FakeGateway fake(loop);
  fake.silent = true;
  Seen seen;
  const auto start = loop.now_ms();
  PortMapper mapper(loop, gateway_at(fake), quick(), seen.fn());
  const auto id = mapper.add(Protocol::udp, 4003);
  REQUIRE(run(loop, [&] { return seen.count("failed") == 1; }));
  CHECK(loop.now_ms() - start < 1500);  // 2 x 300 ms
  const MapEntry& e = mapper.entries().at(id);
  CHECK(e.state == MapState::failed);
  REQUIRE(e.error);
  CHECK(e.error->code == "timeout");
  CHECK(e.error->message.find("pcp: ") != std::string::npos);
  CHECK(e.error->message.find("natpmp: ") != std::string::npos);
  CHECK_FALSE(mapper.method().has_value());

  // Switched off protocols are not tried.
  PortMapperOptions o = quick();
  o.pcp = false;
  Seen seen2;
  PortMapper natpmp_only(loop, gateway_at(fake), o, seen2.fn());
  const auto id2 = natpmp_only.add(Protocol::udp, 4004);
  REQUIRE(run(loop, [&] { return seen2.count("failed") == 1; }));
  CHECK(natpmp_only.entries().at(id2).error->message.find("pcp") == std::string::npos);
}

TEST_CASE("PortMapper: a gateway with PCP and NAT-PMP ports closed fails at once", "[portmap]") {
  loop::Loop loop;
  Gateway g;
  g.local = net::IpAddress::parse("127.0.0.1").value();
  {
    loop::Udp probe(loop);
    REQUIRE(probe.bind(net::Endpoint{g.local, 0}).ok());
    g.server = probe.local_endpoint().value();
  }
  Seen seen;
  PortMapperOptions o = quick();
  o.timeout_ms = 2000;
  const auto start = loop.now_ms();
  PortMapper mapper(loop, g, o, seen.fn());
  const auto id = mapper.add(Protocol::tcp, 4005);
  REQUIRE(run(loop, [&] { return seen.count("failed") == 1; }));
  CHECK(loop.now_ms() - start < 300);
  const MapEntry& e = mapper.entries().at(id);
  REQUIRE(e.error);
  CHECK(e.error->code == "refused");
  CHECK(e.error->message.find("pcp: PCP: ") != std::string::npos);
  CHECK(e.error->message.find("natpmp: NAT-PMP: ") != std::string::npos);
}

TEST_CASE("PortMapper: renewals failing until expiry lose the mapping, which is made again", "[portmap]") {
  loop::Loop loop;
  FakeGateway fake(loop);
  fake.max_lifetime = 2;
  Seen seen;
  PortMapper mapper(loop, gateway_at(fake), quick(), seen.fn());
  const auto id = mapper.add(Protocol::udp, 4005);
  REQUIRE(run(loop, [&] { return seen.count("appeared") == 1; }));
  fake.silent = true;
  REQUIRE(run(loop, [&] { return seen.count("lost") == 1; }, 5000));
  CHECK_FALSE(mapper.entries().at(id).mapping.has_value());
  fake.silent = false;
  fake.table.clear();  // the router forgot it
  REQUIRE(run(loop, [&] { return seen.count("appeared") == 2; }, 5000));
  CHECK(mapper.entries().at(id).state == MapState::mapped);
  CHECK(fake.table.count({17, 4005}) == 1);
}

TEST_CASE("PortMapper: the lifetime asked per mapping, a port taken is asked again as any port", "[portmap]") {
  loop::Loop loop;
  FakeGateway fake(loop);
  fake.pcp_result = static_cast<std::uint8_t>(proto::pcp::ResultCode::cannot_provide_external);
  Seen seen;
  PortMapper mapper(loop, gateway_at(fake), quick(), seen.fn());
  const auto id = mapper.add(Protocol::tcp, 4006, 14006, 600);
  REQUIRE(run(loop, [&] { return seen.count("appeared") == 1; }));
  // PCP: the port asked for, then any port; both refused, so NAT-PMP (which asks for any).
  REQUIRE(fake.pcp_requests.size() == 2);
  CHECK(fake.pcp_requests[0].map->external_port == 14006);
  CHECK(fake.pcp_requests[1].map->external_port == 0);
  CHECK(fake.pcp_requests[0].lifetime == 600);
  const MapEntry& e = mapper.entries().at(id);
  CHECK(e.mapping->method == Method::natpmp);
  REQUIRE_FALSE(fake.natpmp_requests.empty());
  CHECK(fake.natpmp_requests.back().external_port == 0);
  CHECK(fake.natpmp_requests.back().lifetime == 600);
}
