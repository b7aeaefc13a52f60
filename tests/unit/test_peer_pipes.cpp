// PeerPipes: peer streams become pipes on both ends (self over loopback): names, the
// P2PD test string answered by the incoming side, bytes both ways, "peer" details,
// name clashes, and a closed pipe ending the other end.
#include <catch2/catch.hpp>
#include <sodium.h>

#include "core/peer/peer_pipes.hpp"
#include "core/pipe/names.hpp"
#include "test_quic_support.hpp"

using namespace p2pd;
using namespace p2pd::peer;
using namespace p2pd::peer::quic::testing;

namespace {

std::string text_of(const pipe::MessagePtr& m) { return {m->data.begin(), m->data.end()}; }

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct SelfNode {
  SelfNode() : identity(Identity::generate()), pipes(loop, pipe::PipeLimits{}), node(loop, identity, nullptr, nullptr, nullptr),
               peer_pipes(loop, node, pipes) {
    PeerServiceOptions o;
    o.bind_v4 = "127.0.0.1";
    o.ipv6 = false;
    o.session.handshake_timeout_ms = 1000;
    o.dial.timeout_ms = 3000;
    REQUIRE(node.start(o, [this](PeerStream s, std::string name) { peer_pipes.on_incoming(std::move(s), name); }));
  }
  ~SelfNode() {
    pipes.shutdown();
    node.stop();
    run_for(loop, 20);
  }

  Result<pipe::PipeInfo> open(const std::string& name) {
    std::optional<Result<pipe::PipeInfo>> got;
    peer_pipes.open(name, PeerTarget{true, {}, {}}, {}, [&](Result<pipe::PipeInfo> r) { got = std::move(r); });
    REQUIRE(run_until(loop, [&] { return got.has_value(); }));
    return std::move(*got);
  }

  pipe::MessagePtr next(const std::string& pipe) {
    pipe::MessagePtr m;
    REQUIRE(run_until(loop, [&] {
      auto r = pipes.get(pipe);
      REQUIRE(r);
      auto got = (*r)->try_recv();
      REQUIRE(got);
      m = *got;
      return m != nullptr;
    }));
    return m;
  }

  loop::Loop loop;
  Identity identity;
  pipe::PipeManager pipes;
  PeerNode node;
  PeerPipes peer_pipes;
};

}  // namespace

TEST_CASE("incoming_pipe_name keeps pipe-name characters only", "[peer_pipes]") {
  CHECK(incoming_pipe_name("chat", 1) == "in.chat.1");
  CHECK(incoming_pipe_name("a b/c[d]", 7) == "in.a_b_c_d_.7");
  CHECK(incoming_pipe_name("", 2) == "in.stream.2");
  CHECK(incoming_pipe_name(std::string(500, 'x'), 3) == "in." + std::string(40, 'x') + ".3");
  CHECK(pipe::valid_name(incoming_pipe_name(std::string(1024, '\xff'), 1234567890)));
}

TEST_CASE("PeerPipes: a pipe to self, answered and carried both ways", "[peer_pipes][quic]") {
  REQUIRE(sodium_init() >= 0);
  SelfNode n;
  auto out = n.open("x");
  REQUIRE(out);
  CHECK(out->kind == "peer");
  CHECK(out->details["direction"] == "out");
  CHECK(out->details["strategy"] == "self");
  CHECK(out->details["peer_id"] == n.identity.peer_id());
  CHECK(out->details["session"] == "open");

  // The incoming end exists once the header arrived; it answers P2PD's test string.
  auto x = n.pipes.get("x");
  REQUIRE(x);
  REQUIRE((*x)->send(bytes_of("long_p2pd_test_string_abcd123\n")));
  CHECK(text_of(n.next("x")) == "p2pd test string\r\n\r\n");
  auto in = n.pipes.get("in.x.1");
  REQUIRE(in);
  auto in_info = (*in)->info();
  CHECK(in_info.details["direction"] == "in");
  CHECK(in_info.details["stream"] == "x");
  CHECK(in_info.test_strings_answered == 1);

  REQUIRE((*x)->send(bytes_of("to the other end")));
  CHECK(text_of(n.next("in.x.1")) == "to the other end");
  REQUIRE((*in)->send(bytes_of("and back")));
  CHECK(text_of(n.next("x")) == "and back");
  CHECK(n.peer_pipes.stats().opened == 1);
  CHECK(n.peer_pipes.stats().accepted == 1);

  // Name clashes are refused before dialing; a second pipe gets the next incoming name.
  auto clash = n.open("x");
  REQUIRE_FALSE(clash);
  CHECK(clash.error().code == "conflict");
  auto reserved = n.open("self");
  REQUIRE_FALSE(reserved);
  CHECK(reserved.error().code == "reserved_name");
  REQUIRE(n.open("x2"));
  REQUIRE(run_until(n.loop, [&] { return n.pipes.find("in.x2.2") != nullptr; }));

  // Closing one end ends the other.
  REQUIRE(n.pipes.close("x"));
  REQUIRE(run_until(n.loop, [&] {
    auto* p = n.pipes.find("in.x.1");
    return !p || p->state() != pipe::PipeState::open;
  }));
}

TEST_CASE("PeerPipes: no node port gives unavailable", "[peer_pipes]") {
  REQUIRE(sodium_init() >= 0);
  loop::Loop loop;
  auto identity = Identity::generate();
  pipe::PipeManager pipes(loop, pipe::PipeLimits{});
  PeerNode node(loop, identity, nullptr, nullptr, nullptr);
  PeerPipes peer_pipes(loop, node, pipes);
  std::optional<Result<pipe::PipeInfo>> got;
  peer_pipes.open("x", PeerTarget{true, {}, {}}, {}, [&](Result<pipe::PipeInfo> r) { got = std::move(r); });
  REQUIRE(got.has_value());
  REQUIRE_FALSE(*got);
  CHECK(got->error().code == "unavailable");
}
