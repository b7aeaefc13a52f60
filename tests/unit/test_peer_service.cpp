// PeerService and Dialer on loopback: dialing a peer address, reusing its session,
// incoming streams by name, connecting to ourselves, wrong keys and dead candidates.
#include <catch2/catch.hpp>

#include "core/peer/identity.hpp"
#include "core/peer/peer_service.hpp"
#include "test_quic_support.hpp"

using namespace p2pd;
using namespace p2pd::peer;
using namespace p2pd::peer::quic::testing;

namespace {

struct Incoming {
  std::vector<std::pair<std::string, PeerStream>> streams;
};

PeerServiceOptions loopback_options(const quic::KeyPair& id) {
  PeerServiceOptions o;
  o.bind_v4 = "127.0.0.1";
  o.ipv6 = false;
  o.session.credentials = make_credentials(id);
  o.session.handshake_timeout_ms = 1000;
  o.dial.stagger_ms = 50;
  o.dial.timeout_ms = 3000;
  return o;
}

std::unique_ptr<PeerService> start_service(loop::Loop& loop, const quic::KeyPair& id, Incoming& in) {
  auto svc = PeerService::start(loop, loopback_options(id), [&in](PeerStream s, std::string name) {
    in.streams.emplace_back(std::move(name), std::move(s));
  });
  REQUIRE(svc);
  return std::move(*svc);
}

proto::peer::PeerAddress address_of(const quic::PublicKey& key, std::uint16_t port) {
  proto::peer::PeerAddress a;
  a.key = key;
  a.ports = {port};
  proto::peer::Group g;
  g.ifindex = 1;
  auto ip = proto::peer::Ip::parse("127.0.0.1");
  REQUIRE(ip);
  g.nics = {*ip};
  a.groups = {g};
  return a;
}

std::string text_of(const std::vector<std::uint8_t>& v) { return {v.begin(), v.end()}; }

void write_text(const std::shared_ptr<quic::Stream>& s, std::string_view text) {
  REQUIRE(s->write_all({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}));
}

}  // namespace

TEST_CASE("PeerService: open a named stream to a peer address, then reuse the session", "[quic][peer_service]") {
  loop::Loop loop;
  auto a_id = make_identity(), b_id = make_identity();
  Incoming a_in, b_in;
  auto a = start_service(loop, a_id, a_in);
  auto b = start_service(loop, b_id, b_in);
  CHECK(b->port() != 0);

  std::optional<Result<PeerStream>> opened;
  a->open(address_of(b_id.public_key, b->port()), "chat", [&](Result<PeerStream> r) { opened = std::move(r); });
  REQUIRE(run_until(loop, [&] { return opened.has_value(); }));
  REQUIRE(*opened);
  auto& out = **opened;
  CHECK(out.link.strategy == "direct");
  CHECK(out.link.path == "udp");
  CHECK(out.link.peer_id == peer_id_of(b_id.public_key));
  CHECK(out.link.remote.port == b->port());
  write_text(out.stream, "hello b");

  REQUIRE(run_until(loop, [&] { return !b_in.streams.empty(); }));
  CHECK(b_in.streams[0].first == "chat");
  auto& in = b_in.streams[0].second;
  CHECK(in.link.strategy == "inbound");
  CHECK(in.link.peer_id == peer_id_of(a_id.public_key));
  std::vector<std::uint8_t> got;
  drain_into(in.stream, got);
  REQUIRE(run_until(loop, [&] { return got.size() == 7; }));
  CHECK(text_of(got) == "hello b");

  // A second stream to the same peer rides the same session.
  std::optional<Result<PeerStream>> second;
  a->open(address_of(b_id.public_key, b->port()), "files", [&](Result<PeerStream> r) { second = std::move(r); });
  REQUIRE(run_until(loop, [&] { return second.has_value() && b_in.streams.size() == 2; }));
  REQUIRE(*second);
  CHECK(b_in.streams[1].first == "files");
  CHECK(a->stats().dials == 1);
  CHECK(a->links().size() == 1);
  CHECK(b->links().size() == 1);
  auto live = a->link_of(*out.stream);
  REQUIRE(live);
  CHECK(live->streams == 2);
  CHECK(live->rtt_us > 0);
}

TEST_CASE("PeerService: connecting to self", "[quic][peer_service]") {
  loop::Loop loop;
  auto id = make_identity();
  Incoming in;
  auto svc = start_service(loop, id, in);
  std::optional<Result<PeerStream>> opened;
  svc->open_self("echo", [&](Result<PeerStream> r) { opened = std::move(r); });
  REQUIRE(run_until(loop, [&] { return opened.has_value(); }));
  REQUIRE(*opened);
  CHECK((*opened)->link.strategy == "self");
  write_text((*opened)->stream, "ping");
  REQUIRE(run_until(loop, [&] { return !in.streams.empty(); }));
  CHECK(in.streams[0].first == "echo");
  std::vector<std::uint8_t> got;
  drain_into(in.streams[0].second.stream, got);
  REQUIRE(run_until(loop, [&] { return got.size() == 4; }));
  write_text(in.streams[0].second.stream, "pong");
  std::vector<std::uint8_t> back;
  drain_into((*opened)->stream, back);
  REQUIRE(run_until(loop, [&] { return back.size() == 4; }));
  CHECK(text_of(back) == "pong");
  // Opening our own address goes the same way.
  std::optional<Result<PeerStream>> again;
  svc->open(address_of(id.public_key, svc->port()), "echo2", [&](Result<PeerStream> r) { again = std::move(r); });
  REQUIRE(run_until(loop, [&] { return again.has_value() && in.streams.size() == 2; }));
  REQUIRE(*again);
  CHECK(svc->stats().dials == 1);
}

TEST_CASE("PeerService: a peer with another key is refused", "[quic][peer_service]") {
  loop::Loop loop;
  auto a_id = make_identity(), b_id = make_identity();
  Incoming a_in, b_in;
  auto a = start_service(loop, a_id, a_in);
  auto b = start_service(loop, b_id, b_in);
  std::optional<Result<PeerStream>> opened;
  a->open(address_of(make_identity().public_key, b->port()), "x", [&](Result<PeerStream> r) { opened = std::move(r); });
  REQUIRE(run_until(loop, [&] { return opened.has_value(); }));
  REQUIRE_FALSE(*opened);
  CHECK(opened->error().code == "unreachable");
  CHECK(opened->error().message.find("key") != std::string::npos);
  CHECK(b_in.streams.empty());
  CHECK(a->stats().dial_failures == 1);
}

TEST_CASE("PeerService: no candidate answers -> a clear error within the dial timeout", "[quic][peer_service]") {
  loop::Loop loop;
  auto a_id = make_identity(), b_id = make_identity();
  Incoming a_in;
  auto a = start_service(loop, a_id, a_in);
  // A port that nobody listens on: TCP is refused at once, UDP hears nothing.
  std::uint16_t dead = 0;
  {
    Incoming tmp;
    auto gone = start_service(loop, b_id, tmp);
    dead = gone->port();
  }
  std::optional<Result<PeerStream>> opened;
  auto t0 = loop.now_ms();
  a->open(address_of(b_id.public_key, dead), "x", [&](Result<PeerStream> r) { opened = std::move(r); });
  REQUIRE(run_until(loop, [&] { return opened.has_value(); }, 6000));
  REQUIRE_FALSE(*opened);
  CHECK((opened->error().code == "unreachable" || opened->error().code == "timeout"));
  CHECK(loop.now_ms() - t0 <= 3500);
  proto::peer::PeerAddress nothing;
  nothing.key = b_id.public_key;
  nothing.ports = {dead};
  std::optional<Result<PeerStream>> none;
  a->open(nothing, "x", [&](Result<PeerStream> r) { none = std::move(r); });
  REQUIRE(run_until(loop, [&] { return none.has_value(); }));
  REQUIRE_FALSE(*none);
  CHECK(none->error().code == "unreachable");
}
