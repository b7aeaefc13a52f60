// QUIC sessions between two endpoints on one loop: pinning, streams, flow control,
// failures. Everything runs over real loopback sockets.
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <numeric>

#include "core/peer/quic/open_header.hpp"
#include "test_quic_support.hpp"

using namespace p2pd;
using namespace p2pd::peer;
using namespace p2pd::peer::quic;
using namespace p2pd::peer::quic::testing;

namespace {

std::vector<std::uint8_t> pattern(std::size_t n, std::uint32_t seed = 1) {
  std::vector<std::uint8_t> v(n);
  std::uint32_t x = seed;
  for (auto& b : v) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  return v;
}

// Writes all of `data` to the stream as flow control allows, then FIN.
struct Writer {
  std::shared_ptr<Stream> stream;
  std::vector<std::uint8_t> data;
  std::size_t off = 0;
  void pump() {
    while (off < data.size()) {
      std::size_t n = stream->write(std::span<const std::uint8_t>(data).subspan(off));
      if (n == 0) return;
      off += n;
    }
    stream->shutdown_write();
  }
  void start() {
    stream->set_on_writable([this] { pump(); });
    pump();
  }
};

}  // namespace

TEST_CASE("QUIC: handshake pins both identities", "[quic][session]") {
  QuicPair p;
  p.listen();
  bool established = false;
  Session::Callbacks cb;
  cb.on_established = [&] { established = true; };
  auto client = p.connect(std::move(cb));
  REQUIRE(run_until(p.loop, [&] { return established && !p.accepted.empty() && p.accepted[0]->established(); }));
  REQUIRE(client->peer_key() == p.server_id.public_key);
  REQUIRE(p.accepted[0]->peer_key() == p.client_id.public_key);
  CHECK(client->stats().handshake_us > 0);
  CHECK(client->congestion().smoothed_rtt_us > 0);
  CHECK(client->path().kind() == PathKind::udp);
}

TEST_CASE("QUIC: a client expecting another key refuses the server", "[quic][session]") {
  QuicPair p;
  p.listen();
  SessionConfig wrong = p.client_config;
  wrong.expected_peer_key = make_identity().public_key;
  std::optional<Error> closed;
  bool established = false;
  Session::Callbacks cb;
  cb.on_established = [&] { established = true; };
  cb.on_closed = [&](Error e) { closed = e; };
  auto client = p.connect(std::move(cb), &wrong);
  REQUIRE(run_until(p.loop, [&] { return closed.has_value(); }));
  CHECK_FALSE(established);
  CHECK(closed->code == "handshake_failed");
  // The server learns of it too and never reports the session as established.
  REQUIRE(run_until(p.loop, [&] { return !p.server_closed.empty(); }));
  CHECK(p.server_closed[0].code == "handshake_failed");
  REQUIRE(p.accepted.size() == 1);
  CHECK_FALSE(p.accepted[0]->established());
}

TEST_CASE("QUIC: a server admitting one key refuses another client", "[quic][session]") {
  QuicPair p;
  p.server_config.expected_peer_key = make_identity().public_key;
  p.listen();
  std::optional<Error> closed;
  bool established = false;
  Session::Callbacks cb;
  cb.on_established = [&] { established = true; };
  cb.on_closed = [&](Error e) { closed = e; };
  auto client = p.connect(std::move(cb));
  REQUIRE(run_until(p.loop, [&] { return closed.has_value(); }));
  CHECK_FALSE(established);  // gated on HANDSHAKE_DONE, which never came
  CHECK(closed->code == "handshake_failed");
}

TEST_CASE("QUIC: a stream carries its open header and bytes both ways", "[quic][session][stream]") {
  QuicPair p;
  p.listen();
  auto client = connect_established(p);
  auto s = client->open_stream();
  REQUIRE(s);
  auto stream = *s;
  auto header = encode_open_header("chat");
  REQUIRE(stream->write(header) == header.size());
  std::string hello = "hello over quic";
  stream->write({reinterpret_cast<const std::uint8_t*>(hello.data()), hello.size()});
  stream->shutdown_write();

  REQUIRE(run_until(p.loop, [&] { return !p.server_streams.empty(); }));
  auto srv = p.server_streams[0];
  std::optional<std::string> name;
  REQUIRE(run_until(p.loop, [&] {
    auto h = read_open_header(*srv);
    REQUIRE(h);
    if (*h) name = **h;
    return name.has_value();
  }));
  CHECK(*name == "chat");
  std::vector<std::uint8_t> got;
  drain_into(srv, got);
  REQUIRE(run_until(p.loop, [&] { return srv->eof(); }));
  CHECK(std::string(got.begin(), got.end()) == hello);

  std::string reply = "and back";
  srv->write({reinterpret_cast<const std::uint8_t*>(reply.data()), reply.size()});
  srv->shutdown_write();
  std::vector<std::uint8_t> back;
  drain_into(stream, back);
  bool closed_clean = false;
  stream->set_on_closed([&](Status st) { closed_clean = st.ok(); });
  REQUIRE(run_until(p.loop, [&] { return stream->eof(); }));
  CHECK(std::string(back.begin(), back.end()) == reply);
  REQUIRE(run_until(p.loop, [&] { return closed_clean; }));
}

TEST_CASE("QUIC: 16 MiB on one stream arrive intact over 60 KB datagrams", "[quic][session][stream]") {
  QuicPair p(60000);
  p.listen();
  auto client = connect_established(p);
  CHECK(client->max_datagram() == 60000);
  auto s = client->open_stream();
  REQUIRE(s);
  Writer w{*s, pattern(16 << 20)};
  w.start();
  REQUIRE(run_until(p.loop, [&] { return !p.server_streams.empty(); }));
  std::vector<std::uint8_t> got;
  got.reserve(16 << 20);
  drain_into(p.server_streams[0], got);
  REQUIRE(run_until(p.loop, [&] { return p.server_streams[0]->eof(); }, 60000));
  REQUIRE(got.size() == w.data.size());
  CHECK(got == w.data);
  CHECK(client->stats().packets_sent > 0);
}

TEST_CASE("QUIC: a reader that stops bounds the writer's memory", "[quic][session][stream]") {
  QuicPair p(60000);
  p.client_config.stream_send_limit = 1 << 20;
  p.server_config.stream_window = 256 << 10;
  p.server_config.max_stream_window = 512 << 10;
  p.listen();
  auto client = connect_established(p);
  auto s = client->open_stream();
  REQUIRE(s);
  auto stream = *s;
  auto chunk = pattern(64 << 10);
  std::size_t written = 0;
  bool would_block = false;
  auto pump = [&] {
    for (;;) {
      std::size_t n = stream->write(chunk);
      written += n;
      if (n < chunk.size()) {
        would_block = true;
        return;
      }
    }
  };
  stream->set_on_writable(pump);
  pump();
  run_for(p.loop, 500);  // the server never consumes
  REQUIRE(would_block);
  CHECK(stream->buffered() <= (1u << 20));
  REQUIRE(p.server_streams.size() == 1);
  CHECK(p.server_streams[0]->readable() <= (512u << 10));
  CHECK(written <= (1u << 20) + (512u << 10) + chunk.size());
  // Once the reader consumes, the writer goes on.
  std::size_t before = written;
  std::vector<std::uint8_t> sink;
  drain_into(p.server_streams[0], sink);
  run_for(p.loop, 300);
  CHECK(written > before);
}

TEST_CASE("QUIC: garbage from strangers is dropped without harm", "[quic][session]") {
  QuicPair p;
  p.listen();
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_storage ss{};
  socklen_t len = p.server_mux->local_endpoint().to_sockaddr(ss);
  auto junk = pattern(1300, 7);
  for (int i = 0; i < 20; ++i) {
    junk[0] = static_cast<std::uint8_t>(i * 13);
    ::sendto(fd, junk.data(), i % 2 ? junk.size() : 40, 0, reinterpret_cast<sockaddr*>(&ss), len);
  }
  ::close(fd);
  run_for(p.loop, 100);
  CHECK(p.listener->rejected() > 0);
  CHECK(p.accepted.size() <= 20);
  // A real client still gets in.
  auto client = connect_established(p);
}

TEST_CASE("QUIC: a silent peer ends in idle timeout, keep-alives prevent it", "[quic][session]") {
  QuicPair p;
  p.server_config.idle_timeout_ms = 300;
  p.server_config.keep_alive_ms = 0;
  p.client_config.idle_timeout_ms = 300;
  p.client_config.keep_alive_ms = 80;
  p.listen();
  bool established = false;
  std::optional<Error> client_closed;
  Session::Callbacks cb;
  cb.on_established = [&] { established = true; };
  cb.on_closed = [&](Error e) { client_closed = e; };
  auto client = p.connect(std::move(cb));
  REQUIRE(run_until(p.loop, [&] { return established; }));
  run_for(p.loop, 1000);  // three idle timeouts: keep-alives hold the session up
  CHECK_FALSE(client_closed);
  CHECK(p.server_closed.empty());
  // The client's socket disappears without a CONNECTION_CLOSE: the server times out.
  p.client_mux.reset();
  REQUIRE(run_until(p.loop, [&] { return !p.server_closed.empty(); }, 3000));
  CHECK(p.server_closed[0].code == "idle_timeout");
}

TEST_CASE("QUIC: close sends the reason to the peer", "[quic][session]") {
  QuicPair p;
  p.listen();
  bool established = false;
  Session::Callbacks cb;
  cb.on_established = [&] { established = true; };
  auto client = p.connect(std::move(cb));
  REQUIRE(run_until(p.loop, [&] { return established && !p.accepted.empty() && p.accepted[0]->established(); }));
  auto s = client->open_stream();
  REQUIRE(s);
  (*s)->write(encode_open_header("x"));
  REQUIRE(run_until(p.loop, [&] { return !p.server_streams.empty(); }));
  std::optional<Status> stream_end;
  p.server_streams[0]->set_on_closed([&](Status st) { stream_end = st; });
  client->close(7, "going away");
  CHECK(client->is_closed());
  REQUIRE(run_until(p.loop, [&] { return !p.server_closed.empty(); }));
  CHECK(p.server_closed[0].code == "closed_by_peer");
  CHECK(p.server_closed[0].message.find("going away") != std::string::npos);
  REQUIRE(run_until(p.loop, [&] { return stream_end.has_value(); }));
  CHECK_FALSE(stream_end->ok());
  CHECK(p.server_streams[0]->closed());
}

TEST_CASE("QUIC: a session runs over a TCP path and ends when the TCP connection breaks",
          "[quic][session][tcp]") {
  QuicPair p;
  loop::Tcp server_tcp(p.loop);
  REQUIRE(server_tcp.bind(loopback()));
  std::unique_ptr<Session> server;
  REQUIRE(server_tcp.listen(8, [&](Status st) {
    REQUIRE(st);
    auto conn = server_tcp.accept();
    REQUIRE(conn);
    auto path = TcpPath::create(std::move(*conn));
    REQUIRE(path);
    auto s = Session::accept(p.loop, std::move(*path), {}, p.server_config);
    REQUIRE(s);
    server = std::move(*s);
    Session::Callbacks cb;
    cb.on_stream_opened = [&](std::shared_ptr<Stream> st) { p.server_streams.push_back(st); };
    cb.on_closed = [&](Error e) { p.server_closed.push_back(e); };
    server->set_callbacks(std::move(cb));
  }));
  auto listen_at = server_tcp.local_endpoint();
  REQUIRE(listen_at);

  loop::Tcp client_tcp(p.loop);
  bool connected = false;
  client_tcp.connect(*listen_at, [&](Status st) { connected = st.ok(); });
  REQUIRE(run_until(p.loop, [&] { return connected; }));
  auto cpath = TcpPath::create(std::move(client_tcp));
  REQUIRE(cpath);
  bool established = false;
  std::optional<Error> client_closed;
  Session::Callbacks cb;
  cb.on_established = [&] { established = true; };
  cb.on_closed = [&](Error e) { client_closed = e; };
  auto client = Session::connect(p.loop, std::move(*cpath), p.client_config, std::move(cb));
  REQUIRE(client);
  REQUIRE(run_until(p.loop, [&] { return established; }));
  CHECK((*client)->path().kind() == PathKind::tcp);
  REQUIRE(server);
  CHECK(server->peer_key() == p.client_id.public_key);

  auto s = (*client)->open_stream();
  REQUIRE(s);
  Writer w{*s, pattern(2 << 20, 3)};
  w.start();
  REQUIRE(run_until(p.loop, [&] { return !p.server_streams.empty(); }));
  std::vector<std::uint8_t> got;
  drain_into(p.server_streams[0], got);
  REQUIRE(run_until(p.loop, [&] { return p.server_streams[0]->eof(); }, 20000));
  CHECK(got == w.data);

  // The server's side of the TCP connection goes away: the client hears of it at once.
  server.reset();
  REQUIRE(run_until(p.loop, [&] { return client_closed.has_value(); }));
  CHECK((client_closed->code == "path_closed" || client_closed->code == "closed_by_peer"));
  server_tcp.close();
}
