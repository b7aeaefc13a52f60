// Dialer and direct_candidates on loopback: racing candidates, the order they are tried in.
#include <catch2/catch.hpp>

#include "core/peer/dialer.hpp"
#include "test_quic_support.hpp"

using namespace p2pd;
using namespace p2pd::peer;
using namespace p2pd::peer::quic::testing;

TEST_CASE("Dialer: a dead UDP candidate loses to a live TCP one", "[quic][dialer]") {
  QuicPair p;
  // The server side accepts TCP sessions only.
  loop::Tcp server_tcp(p.loop);
  REQUIRE(server_tcp.bind(loopback()));
  std::unique_ptr<quic::Session> server;
  REQUIRE(server_tcp.listen(8, [&](Status) {
    auto conn = server_tcp.accept();
    REQUIRE(conn);
    auto path = TcpPath::create(std::move(*conn));
    REQUIRE(path);
    auto s = quic::Session::accept(p.loop, std::move(*path), {}, p.server_config);
    REQUIRE(s);
    server = std::move(*s);
  }));
  auto at = server_tcp.local_endpoint();
  REQUIRE(at);
  std::vector<DialCandidate> candidates{{PathKind::udp, *at, "nic"}, {PathKind::tcp, *at, "nic"}};
  std::optional<Result<Dialer::Win>> won;
  Dialer d(
      p.loop, [&](net::Family) { return p.client_mux.get(); }, p.client_config, candidates, {50, 5000},
      [&](Result<Dialer::Win> r) { won = std::move(r); });
  REQUIRE(run_until(p.loop, [&] { return won.has_value(); }));
  REQUIRE(*won);
  CHECK((*won)->candidate.kind == PathKind::tcp);
  CHECK((*won)->session->established());
  CHECK((*won)->session->path().kind() == PathKind::tcp);
  (*won)->session.reset();
  server.reset();
  server_tcp.close();
}

TEST_CASE("direct_candidates: LAN before external, UDP before TCP, no link-local", "[peer][dial]") {
  auto ip = [](const char* t) {
    auto r = proto::peer::Ip::parse(t);
    REQUIRE(r);
    return *r;
  };
  proto::peer::PeerAddress addr;
  addr.key = make_identity().public_key;
  addr.ports = {4000};
  proto::peer::Group g4;
  g4.ifindex = 1;
  g4.nics = {ip("192.168.1.5")};
  g4.external = ip("203.0.113.7");
  proto::peer::Group g6;
  g6.ifindex = 2;
  g6.family = proto::peer::Family::v6;
  g6.nics = {ip("fe80::1"), ip("2001:db8::5")};
  addr.groups = {g4, g6};
  auto* a = &addr;
  auto list = direct_candidates(*a);
  std::vector<std::string> got;
  for (const auto& c : list) got.push_back(c.describe());
  CHECK(got == std::vector<std::string>{"udp 192.168.1.5:4000 (nic)", "tcp 192.168.1.5:4000 (nic)",
                                        "udp [2001:db8::5]:4000 (nic)", "tcp [2001:db8::5]:4000 (nic)",
                                        "udp 203.0.113.7:4000 (external)", "tcp 203.0.113.7:4000 (external)"});
}
