// Lingerer: a socket handed over for a graceful close delivers every byte still queued
// before it is closed — also when the other end had already sent its FIN (both sides of
// a relay finished while the local program was slow to read).
#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <csignal>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/pipe/lingerer.hpp"
#include "test_loop_support.hpp"

using namespace p2pd;

namespace {

struct ConnectedPair {
  loop::Tcp listener;
  std::optional<loop::Tcp> server;  // the side handed to the Lingerer
  loop::Tcp client;                 // the "local program"

  explicit ConnectedPair(loop::Loop& loop) : listener(loop), client(loop) {
    REQUIRE(listener.bind(*net::Endpoint::parse("127.0.0.1:0")).ok());
    REQUIRE(listener.listen(4, [this](Status st) {
      REQUIRE(st.ok());
      auto c = listener.accept();
      REQUIRE(c.ok());
      server.emplace(std::move(*c));
    }).ok());
    bool connected = false;
    client.connect(*listener.local_endpoint(), [&](Status st) { connected = st.ok(); });
    REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return connected && server; }, 2000, 5));
  }
};

// Queues more than the kernel buffers take while nobody reads, so most of it is still
// in libuv's write queue when the socket changes hands.
constexpr std::size_t kQueued = 16 * 1024 * 1024;

std::size_t read_all(loop::Loop& loop, loop::Tcp& client, bool& eof) {
  std::size_t got = 0;
  REQUIRE(client.read_start([&](std::span<const std::uint8_t> b) { got += b.size(); }, [&](Status st) {
    CHECK(st.ok());
    eof = true;
  }).ok());
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return eof; }, 10000, 5));
  return got;
}

}  // namespace

TEST_CASE("Lingerer: queued bytes arrive although the other end had finished first", "[pipe][lingerer]") {
  std::signal(SIGPIPE, SIG_IGN);
  loop::Loop loop;
  pipe::Lingerer lingerer(loop);
  ConnectedPair pair(loop);

  // The local program finishes first; our side sees its FIN.
  bool server_eof = false;
  pair.client.shutdown();
  REQUIRE(pair.server->read_start([](std::span<const std::uint8_t>) {}, [&](Status) { server_eof = true; }).ok());
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return server_eof; }, 2000, 5));

  pair.server->write(std::vector<std::uint8_t>(kQueued, 'x'));
  REQUIRE(pair.server->write_queue_size() > 0);
  lingerer.adopt(std::move(*pair.server), 5000);

  bool eof = false;
  CHECK(read_all(loop, pair.client, eof) == kQueued);
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return lingerer.size() == 0; }, 2000, 5));
  pair.client.close();
  p2pd::testing::run_loop_until(loop, [] { return false; }, 20, 5);
}

TEST_CASE("Lingerer: queued bytes arrive, then FIN, and it waits for the other end's FIN", "[pipe][lingerer]") {
  std::signal(SIGPIPE, SIG_IGN);
  loop::Loop loop;
  pipe::Lingerer lingerer(loop);
  ConnectedPair pair(loop);

  pair.server->write(std::vector<std::uint8_t>(kQueued, 'y'));
  lingerer.adopt(std::move(*pair.server), 5000);

  bool eof = false;
  CHECK(read_all(loop, pair.client, eof) == kQueued);
  // Still lingering: the local program has not finished yet (unread data must not RST).
  CHECK(lingerer.size() == 1);
  pair.client.shutdown();
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return lingerer.size() == 0; }, 2000, 5));
  pair.client.close();
  p2pd::testing::run_loop_until(loop, [] { return false; }, 20, 5);
}

TEST_CASE("Lingerer: the deadline closes a socket whose reader never reads", "[pipe][lingerer]") {
  std::signal(SIGPIPE, SIG_IGN);
  loop::Loop loop;
  pipe::Lingerer lingerer(loop);
  ConnectedPair pair(loop);

  pair.server->write(std::vector<std::uint8_t>(kQueued, 'z'));
  lingerer.adopt(std::move(*pair.server), 200);
  const std::uint64_t from = loop.now_ms();
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return lingerer.size() == 0; }, 3000, 5));
  CHECK(loop.now_ms() - from >= 190);
  pair.client.close();
  p2pd::testing::run_loop_until(loop, [] { return false; }, 20, 5);
}

TEST_CASE("Lingerer: a slow reader that keeps reading outlives the timeout", "[pipe][lingerer]") {
  std::signal(SIGPIPE, SIG_IGN);
  loop::Loop loop;
  pipe::Lingerer lingerer(loop);
  ConnectedPair pair(loop);
  // A small receive buffer bounds what one read returns (the kernel doubles it), so the
  // transfer needs at least kSlow / (2 * kRcvBuf) = 32 reads whatever the machine's load.
  constexpr int kRcvBuf = 32 * 1024;
  REQUIRE(::setsockopt(pair.client.fd(), SOL_SOCKET, SO_RCVBUF, &kRcvBuf, sizeof kRcvBuf) == 0);
  constexpr std::size_t kSlow = 2 * 1024 * 1024;
  constexpr std::uint64_t kTimeoutMs = 700;
  constexpr std::uint64_t kPauseMs = 100;  // far below the timeout: a busy machine's late timers fit
  pair.server->write(std::vector<std::uint8_t>(kSlow, 's'));
  lingerer.adopt(std::move(*pair.server), kTimeoutMs);

  // One read callback's worth every kPauseMs: the whole transfer (>= 32 pauses) takes
  // several timeouts, and the Lingerer must keep the socket while bytes still move.
  std::size_t got = 0;
  bool eof = false;
  loop::Timer resume(loop);
  std::function<void()> read_some = [&] {
    REQUIRE(pair.client.read_start(
        [&](std::span<const std::uint8_t> b) {
          got += b.size();
          pair.client.read_stop();
          resume.start(kPauseMs, 0, read_some);
        },
        [&](Status) { eof = true; }).ok());
  };
  read_some();
  const std::uint64_t from = loop.now_ms();
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return eof; }, 30000, 5));
  CHECK(got == kSlow);
  CHECK(loop.now_ms() - from > 3 * kTimeoutMs);
  pair.client.shutdown();
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return lingerer.size() == 0; }, 2000, 5));
  resume.close();
  pair.client.close();
  p2pd::testing::run_loop_until(loop, [] { return false; }, 20, 5);
}
