// TurnManager: allocations by id with JSON views (no passwords), the pipe made of a UDP
// allocation (a TurnRelayTransport), release, shutdown, status and metrics.
#include <catch2/catch.hpp>

#include "core/peer/path_turn.hpp"
#include "core/traverse/turn_manager.hpp"
#include "test_turn_loop_server.hpp"

using namespace p2pd;
using namespace p2pd::traverse::turn;
using namespace p2pd::traverse::turn::testing;

namespace {

ManagerOptions options_for(const std::vector<net::Endpoint>& servers) {
  ManagerOptions o;
  for (const auto& ep : servers) {
    TurnServer s;
    s.host = ep.address.to_string();
    s.port = ep.port;
    s.username = kUser;
    s.password = kPass;
    o.servers.push_back(s);
  }
  o.timing.rto_ms = 50;
  o.timing.timeout_ms = 400;
  return o;
}

struct Handler final : pipe::TransportHandler {
  void on_transport_data(std::span<const std::uint8_t> b, const net::Endpoint& from) override {
    got.emplace_back(from, std::vector<std::uint8_t>(b.begin(), b.end()));
  }
  void on_transport_end(Status s) override { ended = s; }
  void on_transport_drained() override {}
  std::vector<std::pair<net::Endpoint, std::vector<std::uint8_t>>> got;
  std::optional<Status> ended;
};

Result<nlohmann::json> create(loop::Loop& loop, TurnManager& m, CreateRequest r) {
  std::optional<Result<nlohmann::json>> out;
  m.create(std::move(r), [&](Result<nlohmann::json> j) { out = std::move(j); });
  REQUIRE(run_until(loop, [&] { return out.has_value(); }));
  return std::move(*out);
}

}  // namespace

TEST_CASE("TurnManager: create, list, inspect, release, no passwords in views", "[turn][manager]") {
  loop::Loop loop;
  LoopTurnServer server(loop);
  observe::Registry metrics;
  observe::StatusBoard status;
  observe::EventBus events;
  TurnManager m(loop, options_for({server.endpoint}), &metrics, &status, &events);
  CHECK(status.get("turn") == observe::Readiness::ready);

  auto made = create(loop, m, {});
  REQUIRE(made.ok());
  CHECK((*made)["id"] == "turn1");
  CHECK((*made)["state"] == "allocated");
  CHECK((*made)["relayed"] == "127.0.0.1:50000");
  CHECK((*made)["server"]["username"] == kUser);
  CHECK(made->dump().find(kPass) == std::string::npos);
  CHECK(m.list().dump().find(kPass) == std::string::npos);
  CHECK(m.list()["allocations"].size() == 1);
  CHECK(metrics.render().find("p2pd_turn_allocations 1") != std::string::npos);

  CreateRequest named;
  named.id = "turn1";
  CHECK(create(loop, m, named).error().code == "conflict");
  named.id = "bad name!";
  CHECK(create(loop, m, named).error().code == "bad_request");
  CreateRequest far;
  far.server = 3;
  CHECK(create(loop, m, far).error().code == "bad_request");
  CreateRequest tcp;
  tcp.tcp_relay = true;  // the only server is UDP
  CHECK(create(loop, m, tcp).error().code == "bad_request");

  bool released = false;
  REQUIRE(m.release("turn1", [&] { released = true; }).ok());
  REQUIRE(run_until(loop, [&] { return released; }));
  CHECK(server.deletes == 1);
  CHECK(m.get("turn1").error().code == "not_found");
  CHECK(m.release("turn1").error().code == "not_found");
  CHECK(metrics.render().find("p2pd_turn_allocations 0") != std::string::npos);
  CHECK(events.read(0, 100).events.size() >= 2);  // allocated, released
}

TEST_CASE("TurnManager: a failed allocation is reported and dropped, status degraded", "[turn][manager]") {
  loop::Loop loop;
  LoopTurnServer server(loop);
  server.allocate_error = 508;
  observe::StatusBoard status;
  TurnManager m(loop, options_for({server.endpoint}), nullptr, &status);
  auto r = create(loop, m, {});
  CHECK(r.error().code == "turn_refused");
  CHECK(m.size() == 0);
  CHECK(status.get("turn") == observe::Readiness::degraded);

  TurnManager none(loop, ManagerOptions{}, nullptr, &status);
  CHECK(status.get("turn") == observe::Readiness::off);
  CHECK(create(loop, none, {}).error().code == "unavailable");
}

TEST_CASE("TurnManager: a UDP allocation becomes a datagram pipe", "[turn][manager]") {
  loop::Loop loop;
  LoopTurnServer server(loop);
  TurnManager m(loop, options_for({server.endpoint}));
  std::unique_ptr<pipe::Transport> transport;
  std::vector<std::string> closed;
  m.set_pipes(
      [&](const std::string& name, std::unique_ptr<pipe::Transport> t) -> Result<std::string> {
        transport = std::move(t);
        return name;
      },
      [&](const std::string& name) { closed.push_back(name); });
  CreateRequest r;
  r.id = "relay";
  r.peer = net::Endpoint::parse("192.0.2.9:9").value();
  auto made = create(loop, m, r);
  REQUIRE(made.ok());
  CHECK((*made)["pipe"] == "relay");
  REQUIRE(transport);
  CHECK(transport->kind() == "turn");
  CHECK_FALSE(transport->is_stream());
  CHECK(transport->local()->to_string() == "127.0.0.1:50000");
  CHECK(transport->remote()->to_string() == "192.0.2.9:9");

  Handler h;
  REQUIRE(transport->start(&h).ok());
  const std::vector<std::uint8_t> ping = {'p', 'i', 'n', 'g'};
  REQUIRE(transport->send(ping, std::nullopt).ok());  // to the default peer
  REQUIRE(transport->send(ping, net::Endpoint::parse("192.0.2.10:10").value()).ok());
  REQUIRE(run_until(loop, [&] { return h.got.size() == 2; }));
  CHECK(h.got[0].first.to_string() == "192.0.2.9:9");
  CHECK(h.got[1].first.to_string() == "192.0.2.10:10");
  CHECK(h.got[1].second == ping);

  // Closing the pipe's transport releases the allocation.
  transport->close(true);
  REQUIRE(run_until(loop, [&] { return m.size() == 0; }));
  CHECK(server.deletes == 1);
  CHECK(transport->send(ping, std::nullopt).error().code == "closed");
}

TEST_CASE("TurnManager: deleting the allocation ends its pipe", "[turn][manager]") {
  loop::Loop loop;
  LoopTurnServer server(loop);
  TurnManager m(loop, options_for({server.endpoint}));
  std::unique_ptr<pipe::Transport> transport;
  std::vector<std::string> closed;
  m.set_pipes(
      [&](const std::string& name, std::unique_ptr<pipe::Transport> t) -> Result<std::string> {
        transport = std::move(t);
        return name;
      },
      [&](const std::string& name) { closed.push_back(name); });
  REQUIRE(create(loop, m, {}).ok());
  Handler h;
  REQUIRE(transport->start(&h).ok());
  REQUIRE(m.release("turn1").ok());
  REQUIRE(run_until(loop, [&] { return h.ended.has_value(); }));
  CHECK(h.ended->ok());
  REQUIRE(run_until(loop, [&] { return !closed.empty(); }));
  CHECK(closed == std::vector<std::string>{"turn1"});
}

TEST_CASE("TurnManager: shutdown deletes every allocation, bounded by its deadline", "[turn][manager]") {
  loop::Loop loop;
  LoopTurnServer server(loop);
  TurnManager m(loop, options_for({server.endpoint}));
  REQUIRE(create(loop, m, {}).ok());
  REQUIRE(create(loop, m, {}).ok());
  bool done = false;
  m.shutdown(1000, [&] { done = true; });
  REQUIRE(run_until(loop, [&] { return done; }));
  CHECK(server.deletes == 2);
  CHECK(create(loop, m, {}).error().code == "unavailable");

  LoopTurnServer mute(loop);
  TurnManager slow(loop, options_for({mute.endpoint}));
  std::optional<Result<nlohmann::json>> pending;
  slow.create({}, [&](Result<nlohmann::json> j) { pending = std::move(j); });
  mute.silent = true;
  bool stopped = false;
  const auto t0 = loop.now_ms();
  slow.shutdown(200, [&] { stopped = true; });
  REQUIRE(run_until(loop, [&] { return stopped; }));
  CHECK(loop.now_ms() - t0 < 1000);
}

TEST_CASE("TurnPath: a peer session's datagrams through an allocation", "[turn][manager][path]") {
  loop::Loop loop;
  LoopTurnServer server(loop);
  TurnManager m(loop, options_for({server.endpoint}));
  REQUIRE(create(loop, m, {}).ok());
  auto hub = m.hub("turn1");
  REQUIRE(hub);
  const auto peer = net::Endpoint::parse("192.0.2.7:4433").value();
  peer::TurnPath path(hub, peer);
  CHECK(path.kind() == peer::PathKind::turn);
  CHECK(path.describe() == "turn 127.0.0.1:50000 -> 192.0.2.7:4433");
  std::vector<std::vector<std::uint8_t>> got;
  std::optional<Status> closed;
  path.set_receiver([&](std::span<const std::uint8_t> d) { got.emplace_back(d.begin(), d.end()); },
                    [&](Status s) { closed = s; });
  // The echo server sends each datagram back from the peer it went to: only the path's
  // own peer reaches it; another peer's datagram goes to nobody (counted as dropped).
  const std::vector<std::uint8_t> one = {1}, two = {2, 2};
  std::span<const std::uint8_t> both[] = {one, two};
  REQUIRE(path.send(both).value() == 2);
  REQUIRE(m.send("turn1", net::Endpoint::parse("192.0.2.8:1").value(), one).ok());
  REQUIRE(run_until(loop, [&] { return got.size() == 2; }));
  CHECK(got == std::vector<std::vector<std::uint8_t>>{one, two});
  CHECK(server.binds == 2);  // one channel per peer, bound once

  REQUIRE(m.release("turn1").ok());
  REQUIRE(run_until(loop, [&] { return closed.has_value(); }));
  CHECK(closed->error().code == "closed");
  CHECK_FALSE(path.is_open());
  CHECK(path.send_one(one).error().code == "closed");
}
