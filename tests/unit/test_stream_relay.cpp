// StreamRelay endings through a real loopback forward: after the remote's FIN the relay
// keeps carrying the local program's bytes as long as they flow (a long one-way upload
// is not cut), and ends once the half-closed relay has been idle for half_close_ms.
#include <catch2/catch.hpp>

#include <csignal>
#include <memory>
#include <string>

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/pipe/pipe_manager.hpp"
#include "pipe_fake_transport.hpp"
#include "test_loop_support.hpp"

using namespace p2pd;
using namespace p2pd::pipe;
using namespace p2pd::pipe::testing;

namespace {

std::size_t sent_bytes(const Wire& w) {
  std::size_t n = 0;
  for (const auto& [data, to] : w.sent) n += data.size();
  return n;
}

}  // namespace

TEST_CASE("StreamRelay: half-closed, it lives while bytes flow and ends when idle", "[pipe][relay]") {
  std::signal(SIGPIPE, SIG_IGN);  // as in the daemon: a closed socket is an error value
  loop::Loop loop;
  PipeLimits limits;
  limits.half_close_ms = 200;
  PipeManager pipes(loop, limits);
  auto wire = std::make_shared<Wire>();
  auto name = pipes.add(std::make_unique<FakeTransport>(wire, true), AddSpec{"up", {}, {}});
  REQUIRE(name.ok());
  auto bound = pipes.forward("up", ep("127.0.0.1:0"));
  REQUIRE(bound.ok());

  loop::Tcp app(loop);
  bool connected = false, app_eof = false;
  app.connect(*bound, [&](Status st) {
    REQUIRE(st.ok());
    connected = true;
    REQUIRE(app.read_start([](std::span<const std::uint8_t>) {}, [&](Status) { app_eof = true; }).ok());
  });
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return connected; }, 2000, 5));
  REQUIRE(p2pd::testing::run_loop_until(
      loop, [&] { return pipes.find("up") && pipes.find("up")->attachment()->connected(); }, 2000, 5));

  // The remote finishes: the local program gets its FIN, the relay is half-closed.
  REQUIRE(wire->handler != nullptr);
  wire->handler->on_transport_end({});
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return app_eof; }, 2000, 5));

  // Upload for 3x half_close_ms, a chunk every 40 ms: the relay must stay.
  const std::string chunk(1000, 'u');
  std::size_t written = 0;
  loop::Timer trickle(loop);
  trickle.start(40, 40, [&] {
    app.write(std::vector<std::uint8_t>(chunk.begin(), chunk.end()));
    written += chunk.size();
  });
  const std::uint64_t until = loop.now_ms() + 3 * limits.half_close_ms;
  p2pd::testing::run_loop_until(loop, [&] { return loop.now_ms() >= until; }, 5000, 5);
  trickle.stop();
  INFO("written " << written << " relayed " << sent_bytes(*wire) << " pipe " << (pipes.find("up") ? "open" : "gone"));
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return sent_bytes(*wire) == written; }, 2000, 5));
  CHECK(written >= 10 * chunk.size());
  REQUIRE(pipes.find("up") != nullptr);
  CHECK(pipes.find("up")->attachment()->connected());

  // Idle now: within half_close_ms (and the check's granularity) the relay ends the pipe.
  const std::uint64_t idle_from = loop.now_ms();
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return pipes.find("up") == nullptr; }, 2000, 5));
  const std::uint64_t took = loop.now_ms() - idle_from;
  CHECK(took >= limits.half_close_ms - 50);
  CHECK(took <= limits.half_close_ms * 2);
  app.close();
  pipes.shutdown();
  pipes.abort_lingering();
  p2pd::testing::run_loop_until(loop, [] { return false; }, 50, 5);
}
