// TurnClient on a real loop against scripted servers on 127.0.0.1: allocation, data
// both ways, release, and failover (508, silence, all failing, 437 from a new port).
#include <catch2/catch.hpp>

#include "core/loop/resolver.hpp"
#include "core/traverse/turn_client.hpp"
#include "test_turn_loop_server.hpp"

using namespace p2pd;
using namespace p2pd::traverse::turn;
using namespace p2pd::traverse::turn::testing;

namespace {

TurnServer server_at(const net::Endpoint& ep, const char* password = kPass) {
  TurnServer s;
  s.host = ep.address.to_string();
  s.port = ep.port;
  s.username = kUser;
  s.password = password;
  return s;
}

ClientOptions quick(std::vector<TurnServer> servers) {
  ClientOptions o;
  o.servers = std::move(servers);
  o.allocation.timing.rto_ms = 50;
  o.allocation.timing.timeout_ms = 400;
  return o;
}

struct Watch {
  bool allocated = false, released = false;
  std::optional<Error> failed;
  std::vector<std::pair<net::Endpoint, std::vector<std::uint8_t>>> data;
  TurnClient::Events events() {
    TurnClient::Events e;
    e.on_allocated = [this] { allocated = true; };
    e.on_released = [this] { released = true; };
    e.on_failed = [this](const Error& err) { failed = err; };
    e.on_data = [this](const net::Endpoint& from, std::span<const std::uint8_t> d) {
      data.emplace_back(from, std::vector<std::uint8_t>(d.begin(), d.end()));
    };
    return e;
  }
};

const net::Endpoint kPeerEp = net::Endpoint::parse("192.0.2.2:7000").value();

}  // namespace

TEST_CASE("TurnClient allocates, relays both ways and releases", "[turn][client]") {
  loop::Loop loop;
  LoopTurnServer server(loop);
  Watch w;
  TurnClient client(loop, quick({server_at(server.endpoint)}), w.events());
  client.start();
  REQUIRE(run_until(loop, [&] { return w.allocated; }));
  CHECK(client.state() == ClientState::allocated);
  CHECK(client.relayed()->to_string() == "127.0.0.1:50000");
  CHECK(client.server_endpoint() == server.endpoint);
  CHECK(client.attempts().empty());

  const std::vector<std::uint8_t> hello = {'h', 'i'};
  REQUIRE(client.send(kPeerEp, hello).ok());
  REQUIRE(run_until(loop, [&] { return !w.data.empty(); }));
  CHECK(w.data[0].first == kPeerEp);
  CHECK(w.data[0].second == hello);
  CHECK(server.permissions == 1);
  CHECK(server.binds == 1);

  client.release();
  REQUIRE(run_until(loop, [&] { return w.released; }));
  CHECK(server.deletes == 1);
  CHECK(client.state() == ClientState::released);
  CHECK(client.send(kPeerEp, hello).error().code == "unavailable");
}

TEST_CASE("TurnClient fails over: 508, then silence, to a working server", "[turn][client]") {
  loop::Loop loop;
  LoopTurnServer full(loop), mute(loop), good(loop);
  full.allocate_error = 508;
  mute.silent = true;
  Watch w;
  TurnClient client(loop, quick({server_at(full.endpoint), server_at(mute.endpoint), server_at(good.endpoint)}),
                    w.events());
  client.start();
  REQUIRE(run_until(loop, [&] { return w.allocated || w.failed; }));
  REQUIRE(w.allocated);
  CHECK(client.server_endpoint() == good.endpoint);
  REQUIRE(client.attempts().size() == 2);
  CHECK(client.attempts()[0].find("508") != std::string::npos);
  CHECK(client.attempts()[1].find("no answer") != std::string::npos);
  CHECK(full.allocates == 1);
}

TEST_CASE("TurnClient: every server failing is one clear error", "[turn][client]") {
  loop::Loop loop;
  LoopTurnServer a(loop), b(loop);
  a.allocate_error = 486;
  Watch w;
  TurnClient client(loop, quick({server_at(a.endpoint), server_at(b.endpoint, "wrong-password")}), w.events());
  client.start();
  REQUIRE(run_until(loop, [&] { return w.failed.has_value(); }));
  CHECK(w.failed->code == "turn_refused");  // the first server's
  CHECK(w.failed->message.find("all 2 TURN attempts failed") != std::string::npos);
  CHECK(w.failed->message.find("486") != std::string::npos);
  CHECK(w.failed->message.find("refused user 'alice'") != std::string::npos);
  CHECK(w.failed->message.find("wrong-password") == std::string::npos);
  CHECK(client.state() == ClientState::failed);

  Watch none;
  TurnClient empty(loop, quick({}), none.events());
  empty.start();
  REQUIRE(run_until(loop, [&] { return none.failed.has_value(); }));
  CHECK(none.failed->code == "unavailable");
}

TEST_CASE("TurnClient retries 437 Allocation Mismatch once from a new local port", "[turn][client]") {
  loop::Loop loop;
  LoopTurnServer server(loop);
  server.allocate_error = 437;
  server.allocate_error_times = 1;
  Watch w;
  TurnClient client(loop, quick({server_at(server.endpoint)}), w.events());
  client.start();
  REQUIRE(run_until(loop, [&] { return w.allocated || w.failed; }));
  REQUIRE(w.allocated);
  REQUIRE(server.clients.size() == 2);
  CHECK(server.clients[0].port != server.clients[1].port);
}

TEST_CASE("TurnClient release while still allocating deletes what the server made", "[turn][client]") {
  loop::Loop loop;
  LoopTurnServer server(loop);
  Watch w;
  TurnClient client(loop, quick({server_at(server.endpoint)}), w.events());
  client.start();
  client.release();  // before the name is even resolved
  REQUIRE(run_until(loop, [&] { return w.released; }));
  CHECK_FALSE(w.allocated);

  Watch w2;
  TurnClient later(loop, quick({server_at(server.endpoint)}), w2.events());
  later.start();
  REQUIRE(run_until(loop, [&] { return server.allocates >= 1; }));
  later.release();
  REQUIRE(run_until(loop, [&] { return w2.released; }));
  CHECK(server.deletes == 1);
}

TEST_CASE("resolve_host: literals at once, names through getaddrinfo", "[turn][client]") {
  auto lit = loop::resolve_host_blocking("198.51.100.20");
  REQUIRE(lit.ok());
  CHECK(lit->size() == 1);
  CHECK(loop::resolve_host_blocking("198.51.100.20", net::Family::v6).error().code == "unreachable");
  auto local = loop::resolve_host_blocking("localhost", net::Family::v4);
  REQUIRE(local.ok());
  CHECK(local->at(0).to_string() == "127.0.0.1");
  CHECK(loop::resolve_host_blocking("").error().code == "bad_request");

  loop::Loop loop;
  std::optional<Result<std::vector<net::IpAddress>>> got;
  auto work = loop::resolve_host(loop, "127.0.0.1", std::nullopt, [&](auto r) { got = std::move(r); });
  REQUIRE(run_until(loop, [&] { return got.has_value(); }));
  CHECK(got->value().at(0).to_string() == "127.0.0.1");
}
