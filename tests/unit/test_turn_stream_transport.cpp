// TurnStreamTransport over a real loopback connection: the bytes that came with the
// ConnectionBind answer go first, then the stream, in order and complete, however the
// pipe pauses and resumes reading (also before the first bytes were delivered), and the
// peer's FIN arrives after the last byte even when it came while reading was paused.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <memory>
#include <optional>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/traverse/turn_transports.hpp"
#include "test_loop_support.hpp"

using namespace p2pd;
using namespace p2pd::traverse::turn;

namespace {

net::Endpoint loopback(std::uint16_t port) { return net::Endpoint::parse("127.0.0.1:" + std::to_string(port)).value(); }

// Pauses reading every `every` bytes for `pause_ms`, as a pipe whose relay is full does.
struct PausingHandler final : pipe::TransportHandler {
  loop::Loop& loop;
  pipe::Transport* transport = nullptr;
  std::size_t every;
  std::uint64_t pause_ms;
  std::vector<std::uint8_t> got;
  std::size_t next_pause;
  int pauses = 0;
  std::optional<Status> ended;
  bool data_after_end = false;
  loop::Timer resume;

  PausingHandler(loop::Loop& l, std::size_t every_bytes, std::uint64_t ms)
      : loop(l), every(every_bytes), pause_ms(ms), next_pause(every_bytes), resume(l) {}

  void on_transport_data(std::span<const std::uint8_t> bytes, const net::Endpoint&) override {
    if (ended) data_after_end = true;
    got.insert(got.end(), bytes.begin(), bytes.end());
    if (got.size() < next_pause) return;
    next_pause = got.size() + every;
    ++pauses;
    transport->set_reading(false);
    resume.start(pause_ms, 0, [this] { transport->set_reading(true); });
  }
  void on_transport_end(Status status) override { ended = status; }
  void on_transport_drained() override {}
};

}  // namespace

TEST_CASE("TurnStreamTransport: bind bytes first, then the whole stream through pauses", "[turn][stream]") {
  std::signal(SIGPIPE, SIG_IGN);
  loop::Loop loop;
  loop::Tcp listener(loop);
  std::optional<loop::Tcp> accepted;
  REQUIRE(listener.bind(loopback(0)).ok());
  REQUIRE(listener.listen(4, [&](Status st) {
                    REQUIRE(st.ok());
                    auto c = listener.accept();
                    REQUIRE(c.ok());
                    accepted = std::move(*c);
                  }).ok());
  auto where = listener.local_endpoint();
  REQUIRE(where.ok());

  loop::Tcp peer(loop);
  bool connected = false;
  peer.connect(*where, [&](Status st) {
    REQUIRE(st.ok());
    connected = true;
  });
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return connected && accepted; }, 2000, 5));

  // The peer's stream: 4 MiB of a pattern, then FIN, all written before the transport
  // reads anything (so the FIN is already waiting while reading is paused).
  std::vector<std::uint8_t> stream(4 << 20);
  for (std::size_t i = 0; i < stream.size(); ++i) stream[i] = static_cast<std::uint8_t>((i * 131) >> 7);
  bool written = false;
  peer.write(stream, [&](Status st) {
    REQUIRE(st.ok());
    written = true;
  });
  peer.shutdown();

  const std::vector<std::uint8_t> initial = {'b', 'o', 'u', 'n', 'd'};
  const std::size_t every = GENERATE(std::size_t{1}, std::size_t{64 << 10}, std::size_t{1 << 20});
  INFO("pause every " << every << " bytes");
  BoundConnection c{std::move(*accepted), initial, loopback(9), 7};
  auto transport = std::make_unique<TurnStreamTransport>(loop, std::move(c), std::nullopt);
  PausingHandler handler(loop, every, 3);
  handler.transport = transport.get();
  REQUIRE(transport->start(&handler).ok());
  // A pipe whose queue is full before the first bytes were even handed over.
  transport->set_reading(false);
  transport->set_reading(true);

  std::vector<std::uint8_t> want(initial.size() + stream.size());
  std::copy(initial.begin(), initial.end(), want.begin());
  std::copy(stream.begin(), stream.end(), want.begin() + static_cast<std::ptrdiff_t>(initial.size()));
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return handler.ended.has_value(); }, 10000, 5));
  CHECK(written);
  CHECK(handler.ended->ok());
  CHECK_FALSE(handler.data_after_end);
  CHECK(handler.pauses >= 1);
  REQUIRE(handler.got.size() == want.size());
  CHECK(handler.got == want);
  transport->close(false);
  listener.close();
  peer.close();
  p2pd::testing::run_loop_until(loop, [] { return false; }, 50, 5);
}
