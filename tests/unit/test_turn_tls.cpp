// TURN over TLS below the allocation: a TcpLink with TLS settings carries frames
// unchanged through a TLS server on loopback, and the failures reach TurnManager's
// callers as tls_* errors (no allocation kept); RFC 6062 relays refuse TLS-only servers.
#include <catch2/catch.hpp>

#include "core/traverse/turn_manager.hpp"
#include "core/traverse/turn_socket_link.hpp"
#include "test_tls_support.hpp"
#include "test_turn_fake_server.hpp"

using namespace p2pd;
using namespace p2pd::traverse::turn;
using p2pd::testing::run_loop_until;
using p2pd::tls::testing::data_path;
using p2pd::tls::testing::LoopTlsServer;
namespace tt = p2pd::traverse::turn::testing;

namespace {

ManagerOptions tls_options(const net::Endpoint& ep, std::string ca_file, std::string server_name = "") {
  ManagerOptions o;
  TurnServer s;
  s.host = ep.address.to_string();
  s.port = ep.port;
  s.transport = ServerTransport::tls;
  s.username = tt::kUser;
  s.password = tt::kPass;
  s.ca_file = std::move(ca_file);
  s.server_name = std::move(server_name);
  o.servers.push_back(s);
  o.timing.rto_ms = 50;
  o.timing.timeout_ms = 2000;
  return o;
}

Result<nlohmann::json> create(loop::Loop& loop, TurnManager& m, CreateRequest r) {
  std::optional<Result<nlohmann::json>> out;
  m.create(std::move(r), [&](Result<nlohmann::json> j) { out = std::move(j); });
  REQUIRE(run_loop_until(loop, [&] { return out.has_value(); }, 5000, 10));
  return std::move(*out);
}

}  // namespace

TEST_CASE("TURN TcpLink over TLS: frames go through unchanged, split or not", "[tls][turn]") {
  loop::Loop loop;
  LoopTlsServer server(loop);  // echoes what it decrypts
  TcpLink link(loop, server.endpoint, 2000, std::nullopt, TlsSettings{data_path("ca.pem"), "turn.test.p2pd"});
  CHECK(link.is_tls());
  CHECK(link.is_stream());
  std::vector<std::vector<std::uint8_t>> frames;
  std::optional<Status> ready;
  link.open([&](std::span<const std::uint8_t> f) { frames.emplace_back(f.begin(), f.end()); },
            [&](Status st) { ready = st; }, [](Status) {});
  CHECK_FALSE(link.send_frame(std::vector<std::uint8_t>{0x40, 0, 0, 0}).ok());  // not connected yet
  REQUIRE(run_loop_until(loop, [&] { return ready.has_value(); }, 5000, 10));
  REQUIRE(ready->ok());
  CHECK(link.local().has_value());
  // Two ChannelData frames (4-byte padded, as on streams) in one write, then a big one.
  std::vector<std::uint8_t> two = {0x40, 0x00, 0x00, 0x03, 'a', 'b', 'c', 0, 0x40, 0x01, 0x00, 0x04, 'w', 'x', 'y', 'z'};
  REQUIRE(link.send_frame(two).ok());
  std::vector<std::uint8_t> big = {0x40, 0x02, 0xff, 0xfc};
  big.resize(4 + 0xfffc, 0x5a);
  REQUIRE(link.send_frame(big).ok());
  REQUIRE(run_loop_until(loop, [&] { return frames.size() == 3; }, 5000, 10));
  CHECK(frames[0] == std::vector<std::uint8_t>(two.begin(), two.begin() + 8));
  CHECK(frames[1] == std::vector<std::uint8_t>(two.begin() + 8, two.end()));
  CHECK(frames[2] == big);
  CHECK(server.tls.sni() == "turn.test.p2pd");
  link.close();
  CHECK_FALSE(link.send_frame(two).ok());
}

TEST_CASE("TURN TcpLink over TLS: the server hanging up later is on_fail", "[tls][turn]") {
  loop::Loop loop;
  LoopTlsServer server(loop);
  TcpLink link(loop, server.endpoint, 2000, std::nullopt, TlsSettings{data_path("ca.pem"), "127.0.0.1"});
  std::optional<Status> ready, failed;
  link.open([](auto) {}, [&](Status st) { ready = st; }, [&](Status st) { failed = st; });
  REQUIRE(run_loop_until(loop, [&] { return ready.has_value(); }, 5000, 10));
  REQUIRE(ready->ok());
  server.conn.close();
  REQUIRE(run_loop_until(loop, [&] { return failed.has_value(); }, 5000, 10));
  REQUIRE_FALSE(failed->ok());  // "closed" at an orderly EOF, ECONNRESET when bytes were unread
  CHECK((failed->error().code == "closed" || failed->error().code == "ECONNRESET"));
  CHECK_FALSE(link.send_frame(std::vector<std::uint8_t>{0x40, 0, 0, 0}).ok());
}

TEST_CASE("TURN over TLS: certificate and trust failures are tls_* errors of create", "[tls][turn]") {
  loop::Loop loop;
  LoopTlsServer server(loop);
  SECTION("a CA that did not sign the server's certificate") {
    TurnManager m(loop, tls_options(server.endpoint, data_path("other_ca.pem")));
    auto r = create(loop, m, {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "tls_cert");
    CHECK(r.error().message.find("certificate issuer is unknown") != std::string::npos);
    CHECK(m.size() <= 1);  // erased on the next loop turn
  }
  SECTION("a server_name the certificate does not carry") {
    TurnManager m(loop, tls_options(server.endpoint, data_path("ca.pem"), "other.test.p2pd"));
    auto r = create(loop, m, {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "tls_cert");
    CHECK(r.error().message.find("certificate is not for other.test.p2pd") != std::string::npos);
  }
  SECTION("an unreadable CA file never reaches the network") {
    TurnManager m(loop, tls_options(server.endpoint, "/nonexistent/ca.pem"));
    auto r = create(loop, m, {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "tls_ca");
    CHECK(r.error().message.find("/nonexistent/ca.pem: No such file or directory") != std::string::npos);
    CHECK_FALSE(server.conn.is_open());
  }
  SECTION("RFC 6062 relays are not offered over TLS") {
    TurnManager m(loop, tls_options(server.endpoint, data_path("ca.pem")));
    CreateRequest tcp;
    tcp.tcp_relay = true;
    auto r = create(loop, m, tcp);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "bad_request");
    CHECK(r.error().message.find("over TLS are not supported") != std::string::npos);
  }
  SECTION("views show the TLS settings, never the password") {
    TurnManager m(loop, tls_options(server.endpoint, data_path("ca.pem")));
    auto j = m.list();
    CHECK(j["servers"][0]["transport"] == "tls");
    CHECK(j["servers"][0]["server_name"] == "127.0.0.1");  // default: the host
    CHECK(j["servers"][0]["ca_file"] == data_path("ca.pem"));
    CHECK(j.dump().find(tt::kPass) == std::string::npos);
  }
}
