// PipeManager::add: a pipe made of any Transport (how peer streams and TURN relays
// become pipes): names picked or given, the name rules, a transport that cannot start,
// events, the name freed at close, and no new pipes once shutting down.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "core/loop/loop.hpp"
#include "core/observe/events.hpp"
#include "core/pipe/pipe_manager.hpp"
#include "pipe_fake_transport.hpp"

using namespace p2pd;
using namespace p2pd::pipe;
using namespace p2pd::pipe::testing;

namespace {

std::unique_ptr<Transport> fake(const std::shared_ptr<Wire>& wire, bool stream = true) {
  return std::make_unique<FakeTransport>(wire, stream);
}

std::string text(const MessagePtr& m) { return m ? std::string(m->data.begin(), m->data.end()) : "<null>"; }

}  // namespace

TEST_CASE("PipeManager::add: picked and given names, and the pipe works", "[pipe][manager]") {
  loop::Loop loop;
  observe::EventBus events;
  PipeManager pipes(loop, PipeLimits{}, &events);
  auto w1 = std::make_shared<Wire>();
  auto w2 = std::make_shared<Wire>();
  auto w3 = std::make_shared<Wire>();

  auto a = pipes.add(fake(w1));
  REQUIRE(a.ok());
  CHECK(*a == "pipe1");
  auto b = pipes.add(fake(w2), AddSpec{"", "peer", {Framing::line, false, ""}});
  REQUIRE(b.ok());
  CHECK(*b == "peer2");
  auto c = pipes.add(fake(w3, false), AddSpec{"turn1", {}, {}});
  REQUIRE(c.ok());
  CHECK(*c == "turn1");
  CHECK(pipes.size() == 3);

  Pipe* p = pipes.find("peer2");
  REQUIRE(p != nullptr);
  CHECK(p->info().framing == "line");
  REQUIRE(w2->handler != nullptr);  // started
  w2->handler->on_transport_data(bytes("one\ntwo\n"), ep("127.0.0.1:2000"));
  CHECK(text(*p->try_recv()) == "one");
  CHECK(text(*p->try_recv()) == "two");
  REQUIRE(p->send(bytes("out")).ok());
  REQUIRE(w2->sent.size() == 1);
  CHECK(w2->sent[0].first == "out\n");

  auto opened = events.read(0, 10);
  REQUIRE(opened.events.size() == 3);
  CHECK(opened.events[0].type == "pipe.opened");
  CHECK(opened.events[1].data["name"] == "peer2");
  CHECK(opened.events[2].data["proto"] == "udp");
}

TEST_CASE("PipeManager::add: name rules and failures destroy the transport", "[pipe][manager]") {
  loop::Loop loop;
  PipeLimits limits;
  limits.max_pipes = 3;
  PipeManager pipes(loop, limits);
  REQUIRE(pipes.add(fake(std::make_shared<Wire>()), AddSpec{"taken", {}, {}}).ok());

  struct Case {
    std::string name, prefix, code;
  };
  for (const auto& c : {Case{"taken", "", "conflict"}, Case{"all", "", "reserved_name"}, Case{"self", "", "reserved_name"},
                        Case{"bad name", "", "bad_request"}, Case{std::string(65, 'x'), "", "bad_request"},
                        Case{"", "no/slash", "bad_request"}}) {
    auto wire = std::make_shared<Wire>();
    AddSpec spec{c.name, c.prefix.empty() ? "pipe" : c.prefix, {}};
    auto r = pipes.add(fake(wire), spec);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == c.code);
    CHECK(wire->destroyed);
  }
  CHECK_FALSE(pipes.add(nullptr).ok());

  auto failing = std::make_shared<Wire>();
  failing->start_error = Error{"closed", "the stream was reset"};
  auto r = pipes.add(fake(failing), AddSpec{"reset", {}, {}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "closed");
  CHECK(failing->destroyed);
  CHECK(pipes.find("reset") == nullptr);

  // A picked name skips names in use.
  REQUIRE(pipes.add(fake(std::make_shared<Wire>()), AddSpec{"pipe1", {}, {}}).ok());
  auto picked = pipes.add(fake(std::make_shared<Wire>()));
  REQUIRE(picked.ok());
  CHECK(*picked == "pipe2");
  auto full = pipes.add(fake(std::make_shared<Wire>()));
  REQUIRE_FALSE(full.ok());
  CHECK(full.error().code == "too_many");
}

TEST_CASE("PipeManager::add: closing frees the name, shutdown refuses new pipes", "[pipe][manager]") {
  loop::Loop loop;
  PipeManager pipes(loop, PipeLimits{});
  auto wire = std::make_shared<Wire>();
  REQUIRE(pipes.add(fake(wire), AddSpec{"s", {}, {}}).ok());
  REQUIRE(pipes.close("s", "done").ok());
  CHECK(wire->closed);
  CHECK(pipes.find("s") == nullptr);
  CHECK(pipes.get("s").error().code == "not_found");
  REQUIRE(pipes.add(fake(std::make_shared<Wire>()), AddSpec{"s", {}, {}}).ok());  // reusable at once

  auto live = std::make_shared<Wire>();
  REQUIRE(pipes.add(fake(live), AddSpec{"live", {}, {}}).ok());
  pipes.shutdown();
  CHECK(live->closed);
  CHECK(pipes.size() == 0);
  auto late = std::make_shared<Wire>();
  auto r = pipes.add(fake(late));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "unavailable");
  CHECK(late->destroyed);
  pipes.abort_lingering();
  loop.run();  // the reaper and closed handles finish; nothing hangs
}
