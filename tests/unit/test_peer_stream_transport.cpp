// peer::StreamTransport: a pipe::Transport over a QUIC stream, between two sessions on
// one loop. Bytes both ways, backpressure (a paused reader bounds the writer's backlog,
// drained fires), half-close and abort.
#include <catch2/catch.hpp>

#include "core/peer/stream_transport.hpp"
#include "test_quic_support.hpp"

using namespace p2pd;
using namespace p2pd::peer;
using namespace p2pd::peer::quic;
using namespace p2pd::peer::quic::testing;

namespace {

struct Recorder final : pipe::TransportHandler {
  std::vector<std::uint8_t> bytes;
  std::optional<Status> ended;
  int drained = 0;
  pipe::Transport* pause_after = nullptr;  // pauses reading once `pause_at` bytes came
  std::size_t pause_at = 0;
  void on_transport_data(std::span<const std::uint8_t> b, const net::Endpoint&) override {
    bytes.insert(bytes.end(), b.begin(), b.end());
    if (pause_after && bytes.size() >= pause_at) {
      pause_after->set_reading(false);
      pause_after = nullptr;
    }
  }
  void on_transport_end(Status s) override { ended = std::move(s); }
  void on_transport_drained() override { ++drained; }
};

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

// An established client session, one stream opened by it, both ends wrapped.
struct TransportPair {
  QuicPair quic;
  std::unique_ptr<Session> client;
  std::unique_ptr<StreamTransport> near;  // client side
  std::unique_ptr<StreamTransport> far;   // server side
  Recorder near_rx, far_rx;

  explicit TransportPair(std::size_t low_water = 256 * 1024) {
    quic.listen();
    client = connect_established(quic);
    auto s = client->open_stream();
    REQUIRE(s);
    near = std::make_unique<StreamTransport>(quic.loop, *s, loopback(1), loopback(2), low_water);
    REQUIRE(near->start(&near_rx));
    // QUIC announces a stream with its first bytes.
    REQUIRE(near->send(bytes_of("!"), std::nullopt));
    REQUIRE(run_until(quic.loop, [&] { return !quic.server_streams.empty(); }));
    far = std::make_unique<StreamTransport>(quic.loop, quic.server_streams[0], loopback(2), loopback(1), low_water);
  }
  ~TransportPair() {
    near.reset();
    far.reset();
    client.reset();
  }
};

}  // namespace

TEST_CASE("StreamTransport carries bytes both ways and ends cleanly", "[quic][stream_transport]") {
  TransportPair t;
  CHECK(t.near->kind() == "peer");
  CHECK(t.near->is_stream());
  CHECK_FALSE(t.near->can_send_to());
  REQUIRE(t.far->start(&t.far_rx));
  REQUIRE(t.near->send(bytes_of("hello"), std::nullopt));
  REQUIRE(run_until(t.quic.loop, [&] { return t.far_rx.bytes.size() == 6; }));
  CHECK(std::string(t.far_rx.bytes.begin(), t.far_rx.bytes.end()) == "!hello");
  REQUIRE(t.far->send(bytes_of("world"), std::nullopt));
  REQUIRE(run_until(t.quic.loop, [&] { return t.near_rx.bytes.size() == 5; }));
  CHECK(std::string(t.near_rx.bytes.begin(), t.near_rx.bytes.end()) == "world");

  // A send to another address is refused: a peer pipe has one peer.
  auto other = t.near->send(bytes_of("x"), loopback(9));
  CHECK_FALSE(other);

  // Half-close from the client: the server sees the end, can still answer.
  t.near->shutdown_write();
  REQUIRE(run_until(t.quic.loop, [&] { return t.far_rx.ended.has_value(); }));
  CHECK(t.far_rx.ended->ok());
  CHECK_FALSE(t.near->send(bytes_of("late"), std::nullopt));
  REQUIRE(t.far->send(bytes_of("bye"), std::nullopt));
  t.far->shutdown_write();
  REQUIRE(run_until(t.quic.loop, [&] { return t.near_rx.ended.has_value(); }));
  CHECK(t.near_rx.ended->ok());
  CHECK(std::string(t.near_rx.bytes.begin(), t.near_rx.bytes.end()) == "worldbye");
}

TEST_CASE("StreamTransport: a paused reader bounds the writer, then drains", "[quic][stream_transport]") {
  TransportPair t(64 * 1024);
  t.far_rx.pause_after = t.far.get();
  t.far_rx.pause_at = 100 * 1024;
  REQUIRE(t.far->start(&t.far_rx));

  // The writer keeps offering 64 KiB blocks only while its backlog is small, the way
  // a Pipe does; it stops when the stream stops taking bytes.
  const std::size_t block = 64 * 1024;
  std::size_t offered = 1;  // the "!" already sent
  auto fill = [&] {
    while (t.near->backlog() <= 64 * 1024 && offered < 64 * 1024 * 1024) {
      REQUIRE(t.near->send(std::vector<std::uint8_t>(block, 0x5a), std::nullopt));
      offered += block;
    }
  };
  // Offer until the stream stops taking bytes for a while (flow control closed).
  std::size_t last = 0;
  for (int quiet = 0; quiet < 10;) {
    fill();
    run_for(t.quic.loop, 30);
    quiet = offered == last ? quiet + 1 : 0;
    last = offered;
  }
  const std::size_t received_while_paused = t.far_rx.bytes.size();
  // Flow control stopped the sender long before 64 MiB: what is in flight is bounded by
  // QUIC's windows plus our backlog threshold.
  CHECK(offered < 8 * 1024 * 1024);
  CHECK(t.near->backlog() > 0);
  CHECK(received_while_paused >= 100 * 1024);
  const int drained_before = t.near_rx.drained;

  // Resume: everything offered arrives and the writer is told its backlog drained.
  t.far->set_reading(true);
  REQUIRE(run_until(t.quic.loop, [&] { return t.far_rx.bytes.size() == offered; }, 10000));
  CHECK(t.near->backlog() == 0);
  CHECK(t.near_rx.drained > drained_before);
}

TEST_CASE("StreamTransport: abort resets the stream and the peer sees an error", "[quic][stream_transport]") {
  TransportPair t;
  REQUIRE(t.far->start(&t.far_rx));
  REQUIRE(run_until(t.quic.loop, [&] { return t.far_rx.bytes.size() == 1; }));
  t.near->close(false);
  CHECK_FALSE(t.near->send(bytes_of("after close"), std::nullopt));
  REQUIRE(run_until(t.quic.loop, [&] { return t.far_rx.ended.has_value(); }));
  CHECK_FALSE(t.far_rx.ended->ok());
  CHECK(t.near_rx.ended == std::nullopt);  // no callback after close()
}

TEST_CASE("StreamTransport: bytes waiting behind a paused reader survive a clean finish",
          "[quic][stream_transport]") {
  TransportPair t;
  t.far_rx.pause_after = t.far.get();
  t.far_rx.pause_at = 1;
  REQUIRE(t.far->start(&t.far_rx));
  REQUIRE(run_until(t.quic.loop, [&] { return t.far_rx.bytes.size() == 1; }));
  REQUIRE(t.near->send(std::vector<std::uint8_t>(10000, 7), std::nullopt));
  t.near->shutdown_write();
  t.far->shutdown_write();
  run_for(t.quic.loop, 200);  // both directions finish while the far reader is paused
  CHECK(t.far_rx.bytes.size() == 1);
  CHECK_FALSE(t.far_rx.ended.has_value());
  t.far->set_reading(true);
  REQUIRE(run_until(t.quic.loop, [&] { return t.far_rx.ended.has_value(); }));
  CHECK(t.far_rx.ended->ok());
  CHECK(t.far_rx.bytes.size() == 10001);
}

TEST_CASE("StreamTransport: the session going away ends its pipes on both sides", "[quic][stream_transport]") {
  TransportPair t;
  REQUIRE(t.far->start(&t.far_rx));
  REQUIRE(run_until(t.quic.loop, [&] { return t.far_rx.bytes.size() == 1; }));
  t.client.reset();  // closes the session locally, and destroys it
  REQUIRE(run_until(t.quic.loop, [&] { return t.near_rx.ended.has_value() && t.far_rx.ended.has_value(); }));
  CHECK_FALSE(t.near_rx.ended->ok());
  CHECK_FALSE(t.far_rx.ended->ok());
  CHECK_FALSE(t.near->send(bytes_of("x"), std::nullopt));
}
