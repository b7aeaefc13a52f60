// core/loop: handle ownership rules (ARCHITECTURE.md, "A handle wrapper").
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/poll.hpp"
#include "core/loop/signal.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/loop/udp.hpp"

using namespace p2pd;
using namespace p2pd::loop;

namespace {
net::Endpoint loopback_v4(std::uint16_t port = 0) { return *net::Endpoint::parse("127.0.0.1:" + std::to_string(port)); }
}  // namespace

TEST_CASE("timer fires and repeats", "[loop]") {
  Loop loop;
  Timer timer(loop);
  int fired = 0;
  timer.start(1, 1, [&] {
    if (++fired == 3) timer.stop();
  });
  loop.run();
  REQUIRE(fired == 3);
}

TEST_CASE("a handle closed from its own callback is safe", "[loop]") {
  Loop loop;
  Timer timer(loop);
  int fired = 0;
  timer.start(1, 1, [&] {
    ++fired;
    timer.close();  // the running std::function lives in the block until close completes
  });
  loop.run();
  REQUIRE(fired == 1);
  REQUIRE_FALSE(timer.is_open());
}

TEST_CASE("an owner destroyed from its own callback is safe", "[loop]") {
  Loop loop;
  auto timer = std::make_unique<Timer>(loop);
  int fired = 0;
  timer->start(1, 1, [&] {
    ++fired;
    timer.reset();
  });
  loop.run();
  REQUIRE(fired == 1);
}

TEST_CASE("a destroyed owner gets no callbacks", "[loop]") {
  Loop loop;
  bool called = false;
  {
    Timer timer(loop);
    timer.start(0, 0, [&] { called = true; });
  }
  loop.run();
  REQUIRE_FALSE(called);
}

TEST_CASE("moving a handle keeps its callbacks and ownership", "[loop]") {
  Loop loop;
  Timer a(loop);
  int fired = 0;
  a.start(1, 0, [&] { ++fired; });
  Timer b = std::move(a);
  REQUIRE_FALSE(a.is_open());
  REQUIRE(b.is_open());
  loop.run();
  REQUIRE(fired == 1);
}

TEST_CASE("poll on a bad fd is an error value, not a crash", "[loop]") {
  Loop loop;
  auto poll = Poll::create(loop, -1);
  REQUIRE_FALSE(poll.ok());
}

TEST_CASE("signal handle delivers on the loop", "[loop]") {
  Loop loop;
  Signal sig(loop);
  int got = 0;
  REQUIRE(sig.start(SIGUSR1, [&](int s) {
    got = s;
    sig.close();
  }).ok());
  Timer kick(loop);
  kick.start(1, 0, [] { raise(SIGUSR1); });
  loop.run();
  REQUIRE(got == SIGUSR1);
}

TEST_CASE("tcp: connect, write, read, EOF on loopback", "[loop]") {
  Loop loop;
  Tcp server(loop);
  REQUIRE(server.bind(loopback_v4()).ok());
  std::vector<Tcp> accepted;
  std::string received;
  bool server_saw_eof = false;
  REQUIRE(server.listen(16, [&](Status st) {
    REQUIRE(st.ok());
    auto conn = server.accept();
    REQUIRE(conn.ok());
    accepted.push_back(std::move(*conn));
    Tcp& c = accepted.back();
    REQUIRE(c.read_start(
        [&](std::span<const std::uint8_t> data) { received.append(data.begin(), data.end()); },
        [&](Status end) {
          REQUIRE(end.ok());
          server_saw_eof = true;
          server.close();
          accepted.clear();
        }).ok());
  }).ok());
  auto port = server.local_endpoint()->port;
  REQUIRE(port != 0);

  Tcp client(loop);
  bool wrote = false;
  client.connect(loopback_v4(port), [&](Status st) {
    REQUIRE(st.ok());
    client.write({'h', 'e', 'l', 'l', 'o'}, [&](Status w) { wrote = w.ok(); });
    client.shutdown([&](Status) { client.close(); });
  });
  loop.run();
  REQUIRE(wrote);
  REQUIRE(received == "hello");
  REQUIRE(server_saw_eof);
}

TEST_CASE("tcp: connection refused is reported as an error value", "[loop]") {
  Loop loop;
  // Find a free port, then close it so nothing listens there.
  std::uint16_t port = 0;
  {
    Tcp probe(loop);
    REQUIRE(probe.bind(loopback_v4()).ok());
    REQUIRE(probe.listen(1, [](Status) {}).ok());
    port = probe.local_endpoint()->port;
  }
  loop.run_nowait();
  Tcp client(loop);
  std::string code;
  client.connect(loopback_v4(port), [&](Status st) {
    REQUIRE_FALSE(st.ok());
    code = st.error().code;
    client.close();
  });
  loop.run();
  REQUIRE(code == "ECONNREFUSED");
}

TEST_CASE("tcp: pending write callbacks of a destroyed owner are dropped", "[loop]") {
  Loop loop;
  Tcp server(loop);
  REQUIRE(server.bind(loopback_v4()).ok());
  std::vector<Tcp> accepted;
  REQUIRE(server.listen(4, [&](Status) {
    auto c = server.accept();
    if (c.ok()) accepted.push_back(std::move(*c));  // never reads: writes back up
  }).ok());
  auto port = server.local_endpoint()->port;
  bool write_callback_ran = false;
  auto client = std::make_unique<Tcp>(loop);
  client->connect(loopback_v4(port), [&](Status st) {
    REQUIRE(st.ok());
    for (int i = 0; i < 64; ++i)
      client->write(std::vector<std::uint8_t>(1 << 20, 'x'), [&](Status) { write_callback_ran = true; });
    client.reset();  // owner gone with writes still queued
    server.close();
    accepted.clear();
  });
  loop.run();
  REQUIRE_FALSE(write_callback_ran);
}

TEST_CASE("udp: datagrams keep their boundaries and sender", "[loop]") {
  Loop loop;
  Udp a(loop), b(loop);
  REQUIRE(a.bind(loopback_v4()).ok());
  REQUIRE(b.bind(loopback_v4()).ok());
  auto a_ep = *a.local_endpoint();
  auto b_ep = *b.local_endpoint();
  std::vector<std::string> got;
  net::Endpoint from;
  REQUIRE(a.recv_start([&](std::span<const std::uint8_t> d, const net::Endpoint& f) {
    got.emplace_back(d.begin(), d.end());
    from = f;
    if (got.size() == 2) {
      a.close();
      b.close();
    }
  }).ok());
  b.send(a_ep, {'o', 'n', 'e'});
  b.send(a_ep, {'t', 'w', 'o', '!'});
  loop.run();
  REQUIRE(got == std::vector<std::string>{"one", "two!"});
  REQUIRE(from == b_ep);
}
