// Pipe over a scripted Transport (no sockets): routing to subscriptions, pulls and
// waiters, TCP backpressure vs UDP drops, the P2PD test string, remote close with
// unread messages, close answering waiters, send bounds and relays (taps). This is
// also the contract any new Transport (QUIC streams, TURN) is held to.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/pipe/pipe.hpp"
#include "pipe_fake_transport.hpp"

using namespace p2pd;
using namespace p2pd::pipe;
using namespace p2pd::pipe::testing;

namespace {

std::string text(const MessagePtr& m) { return m ? std::string(m->data.begin(), m->data.end()) : "<null>"; }

struct Observer final : PipeObserver {
  int closed = 0;
  std::size_t in = 0, out = 0, drops = 0;
  void on_pipe_closed(Pipe&) override { ++closed; }
  void on_pipe_traffic(bool inbound, std::size_t n) override { (inbound ? in : out) += n; }
  void on_pipe_drop(std::size_t m) override { drops += m; }
};

struct Fixture {
  loop::Loop loop;
  PipeLimits limits;
  Observer observer;
  std::shared_ptr<Wire> wire = std::make_shared<Wire>();
  std::unique_ptr<Pipe> pipe;

  void make(bool stream, PipeOptions options = {}) {
    pipe = std::make_unique<Pipe>(loop, limits, "p", std::make_unique<FakeTransport>(wire, stream), options,
                                  &observer);
    REQUIRE(pipe->start().ok());
  }
  void receive(const std::string& data, const std::string& from = "127.0.0.1:2000") {
    REQUIRE(wire->handler != nullptr);
    wire->handler->on_transport_data(bytes(data), ep(from));
  }
};

// A waiter that records what it got; `gone` simulates a caller that gave up.
struct Puller {
  std::vector<std::string> got;
  std::vector<std::string> errors;
  bool gone = false;
  PullWaiter waiter() {
    return PullWaiter{[this](Result<MessagePtr> r) {
                        if (gone) return false;
                        if (r.ok()) got.push_back(text(*r));
                        else errors.push_back(r.error().code);
                        return true;
                      },
                      [this] { return gone; }};
  }
};

SubscriptionSpec filter(std::string id, std::string match, std::string prefix = "", std::string from = "") {
  SubscriptionSpec s;
  s.id = std::move(id);
  s.filter = FilterSpec{std::move(match), std::move(prefix), std::move(from)};
  return s;
}

}  // namespace

TEST_CASE("Pipe: messages reach every matching subscription, in order", "[pipe][core]") {
  Fixture f;
  f.make(false);
  REQUIRE(f.pipe->subscribe(filter("nums", "^[0-9]+$")).ok());
  REQUIRE(f.pipe->subscribe(filter("", "", "", "10.0.0.0/8")).value() == "s1");
  f.receive("hello", "127.0.0.1:5");
  f.receive("42", "127.0.0.1:5");
  f.receive("x", "10.1.1.1:9");
  CHECK(text(f.pipe->try_recv().value()) == "hello");
  CHECK(text(f.pipe->try_recv().value()) == "42");
  CHECK(text(f.pipe->try_recv().value()) == "x");
  CHECK(f.pipe->try_recv().value() == nullptr);
  auto n = f.pipe->try_recv("nums").value();
  CHECK(text(n) == "42");
  CHECK(n->from == ep("127.0.0.1:5"));
  CHECK(n->seq == 2);
  CHECK(f.pipe->try_recv("nums").value() == nullptr);
  CHECK(text(f.pipe->try_recv("s1").value()) == "x");
  CHECK(f.pipe->try_recv("nope").error().code == "not_found");
  auto info = f.pipe->info();
  CHECK(info.messages_in == 3);
  CHECK(info.bytes_in == 8);
  CHECK(info.subs.size() == 3);
  CHECK(info.subs[1].matched == 1);
  CHECK(f.observer.in == 8);
}

TEST_CASE("Pipe: subscription ids and limits", "[pipe][core]") {
  Fixture f;
  f.limits.max_subs = 2;
  f.make(true);
  CHECK(f.pipe->subscribe(filter("all", "")).error().code == "reserved_name");
  CHECK(f.pipe->subscribe(filter("a b", "")).error().code == "bad_request");
  CHECK(f.pipe->subscribe(filter("x", "(")).error().code == "bad_request");
  CHECK(f.pipe->subscribe(filter("x", "a")).ok());
  CHECK(f.pipe->subscribe(filter("x", "b")).error().code == "conflict");
  CHECK(f.pipe->subscribe(filter("y", "b")).ok());
  CHECK(f.pipe->subscribe(filter("z", "c")).error().code == "too_many");
  CHECK(f.pipe->unsubscribe("all").error().code == "reserved_name");
  CHECK(f.pipe->unsubscribe("nope").error().code == "not_found");
  CHECK(f.pipe->unsubscribe("x").ok());
  CHECK_FALSE(f.pipe->has_subscription("x"));
  f.pipe->unsubscribe_all();
  CHECK_FALSE(f.pipe->has_subscription("y"));
  CHECK(f.pipe->has_subscription("all"));
}

TEST_CASE("Pipe: a waiting pull gets the next message, abandoned waiters are skipped", "[pipe][core]") {
  Fixture f;
  f.make(false);
  Puller gone, live;
  f.pipe->pull("all", gone.waiter());
  f.pipe->pull("all", live.waiter());
  gone.gone = true;
  f.receive("one");
  CHECK(gone.got.empty());
  CHECK(live.got == std::vector<std::string>{"one"});
  CHECK(f.pipe->try_recv().value() == nullptr);  // handed over, not also queued
  f.receive("two");
  Puller later;
  f.pipe->pull("all", later.waiter());  // queued message: answered at once
  CHECK(later.got == std::vector<std::string>{"two"});
  Puller bad;
  f.pipe->pull("nope", bad.waiter());
  CHECK(bad.errors == std::vector<std::string>{"not_found"});
  auto st = f.pipe->info().subs[0].queue;
  CHECK(st.pushed == 2);
  CHECK(st.popped == 2);
}

TEST_CASE("Pipe: unsubscribing answers that subscription's waiters", "[pipe][core]") {
  Fixture f;
  f.make(false);
  REQUIRE(f.pipe->subscribe(filter("s", "x")).ok());
  Puller c;
  f.pipe->pull("s", c.waiter());
  REQUIRE(f.pipe->unsubscribe("s").ok());
  CHECK(c.errors == std::vector<std::string>{"not_found"});
}

TEST_CASE("Pipe: a full stream queue pauses reading until a pull makes room", "[pipe][core]") {
  Fixture f;
  f.limits.queue = QueueBounds{3, 1000};
  f.make(true);
  for (int i = 0; i < 3; ++i) f.receive("m" + std::to_string(i));
  CHECK_FALSE(f.wire->reading);
  CHECK(f.pipe->info().reading_paused);
  f.receive("m3");  // already in flight when the pause took effect: kept, not dropped
  CHECK(f.pipe->info().dropped_messages == 0);
  CHECK(text(f.pipe->try_recv().value()) == "m0");
  CHECK_FALSE(f.wire->reading);  // still 3 queued
  CHECK(text(f.pipe->try_recv().value()) == "m1");
  CHECK(f.wire->reading);
  CHECK(f.wire->reading_changes == std::vector<bool>{false, true});
}

TEST_CASE("Pipe: a full datagram queue drops its oldest and counts them", "[pipe][core]") {
  Fixture f;
  f.limits.queue = QueueBounds{3, 1000};
  f.make(false);
  for (int i = 0; i < 10; ++i) f.receive("d" + std::to_string(i));
  CHECK(f.wire->reading);  // datagrams never pause
  CHECK(f.pipe->info().dropped_messages == 7);
  CHECK(f.observer.drops == 7);
  CHECK(text(f.pipe->try_recv().value()) == "d7");
}

TEST_CASE("Pipe: with a filtered subscription, a stream's catch-all queue drops instead of blocking",
          "[pipe][core]") {
  Fixture f;
  f.limits.queue = QueueBounds{2, 1000};
  f.make(true);
  REQUIRE(f.pipe->subscribe(filter("want", "^w")).ok());
  for (int i = 0; i < 5; ++i) f.receive("n" + std::to_string(i));
  CHECK(f.wire->reading);  // "all" is a window; "want" got nothing
  f.receive("w1");
  f.receive("w2");
  CHECK_FALSE(f.wire->reading);  // "want" is full: backpressure
  auto info = f.pipe->info();
  CHECK(info.subs[0].overflow == "drop_oldest");
  CHECK(info.subs[1].overflow == "block");
}

TEST_CASE("Pipe: line framing on streams, none on datagrams", "[pipe][core]") {
  SECTION("stream") {
    Fixture f;
    f.make(true, PipeOptions{Framing::line, false, ""});
    f.receive("a\r\nb");
    f.receive("c\n");
    CHECK(text(f.pipe->try_recv().value()) == "a");
    CHECK(text(f.pipe->try_recv().value()) == "bc");
    REQUIRE(f.pipe->send(bytes("out")).value() == 3);
    CHECK(f.wire->sent.back().first == "out\n");
  }
  SECTION("datagram") {
    Fixture f;
    f.make(false, PipeOptions{Framing::line, false, ""});
    f.receive("a\nb\n");
    CHECK(text(f.pipe->try_recv().value()) == "a\nb\n");
    CHECK(f.pipe->info().framing == "raw");
  }
}

TEST_CASE("Pipe: the P2PD test string is answered when asked for, and not queued", "[pipe][core]") {
  Fixture f;
  f.make(false, PipeOptions{Framing::raw, true, "srv"});
  f.receive("long_p2pd_test_string_abcd123\r\n", "192.0.2.1:7");
  REQUIRE(f.wire->sent.size() == 1);
  CHECK(f.wire->sent[0].first == "p2pd test string\r\n\r\n");
  CHECK(f.wire->sent[0].second == ep("192.0.2.1:7"));
  CHECK(f.pipe->try_recv().value() == nullptr);
  CHECK(f.pipe->info().test_strings_answered == 1);
  f.receive("long_p2pd_test_string_abcd1234");
  CHECK(f.wire->sent.size() == 1);
  CHECK(text(f.pipe->try_recv().value()) == "long_p2pd_test_string_abcd1234");

  Fixture off;
  off.make(true);
  off.receive("long_p2pd_test_string_abcd123");
  CHECK(off.wire->sent.empty());
  CHECK(text(off.pipe->try_recv().value()) == "long_p2pd_test_string_abcd123");
}

TEST_CASE("Pipe: send errors", "[pipe][core]") {
  Fixture f;
  f.limits.send_backlog = 100;
  f.make(true, PipeOptions{Framing::len16, false, ""});
  CHECK(f.pipe->send(bytes("x"), ep("192.0.2.9:1")).error().code == "bad_request");  // streams: no `to`
  CHECK(f.pipe->send(bytes("x"), ep("127.0.0.1:2000")).ok());                       // its own remote is fine
  CHECK(f.pipe->send(bytes(std::string(70000, 'x'))).error().code == "too_large");
  f.wire->backlog = 101;
  CHECK(f.pipe->send(bytes("x")).error().code == "busy");
  f.wire->backlog = 0;
  CHECK(f.wire->sent.back().first == std::string("\x00\x01x", 3));
  auto info = f.pipe->info();
  CHECK(info.messages_out == 1);
  CHECK(info.bytes_out == 3);
  f.pipe->close("bye");
  CHECK(f.pipe->send(bytes("x")).error().code == "closed");
}

TEST_CASE("Pipe: remote close keeps unread messages, then closes when they are read", "[pipe][core]") {
  Fixture f;
  f.make(true);
  f.receive("last words");
  f.wire->handler->on_transport_end(Status{});
  CHECK(f.pipe->state() == PipeState::remote_closed);
  CHECK(f.wire->closed);
  CHECK(f.wire->graceful);
  CHECK(f.observer.closed == 0);
  CHECK(text(f.pipe->try_recv().value()) == "last words");
  CHECK(f.pipe->state() == PipeState::closed);
  CHECK(f.observer.closed == 1);
  CHECK(f.pipe->info().close_reason == "closed by the remote end");
  Puller c;
  f.pipe->pull("all", c.waiter());
  CHECK(c.errors == std::vector<std::string>{"closed"});
}

TEST_CASE("Pipe: remote close with nothing unread closes at once and answers waiters", "[pipe][core]") {
  Fixture f;
  f.make(true, PipeOptions{Framing::line, false, ""});
  Puller c;
  f.pipe->pull("all", c.waiter());
  f.receive("partial");  // no newline yet
  CHECK(c.got.empty());
  f.wire->handler->on_transport_end(Status{});  // the partial line is delivered at EOF
  CHECK(c.got == std::vector<std::string>{"partial"});
  CHECK(f.pipe->state() == PipeState::closed);

  Fixture g;
  g.make(true);
  Puller d;
  g.pipe->pull("all", d.waiter());
  g.wire->handler->on_transport_end(Error{"reset", "connection reset by peer"});
  CHECK(d.errors == std::vector<std::string>{"closed"});
  CHECK(g.pipe->info().close_reason == "connection reset by peer");
}

TEST_CASE("Pipe: unread messages of a remote-closed pipe expire after linger_ms", "[pipe][core]") {
  Fixture f;
  f.limits.linger_ms = 20;
  f.make(true);
  f.receive("never read");
  f.wire->handler->on_transport_end(Status{});
  CHECK(f.pipe->state() == PipeState::remote_closed);
  for (int i = 0; i < 100 && f.pipe->state() != PipeState::closed; ++i) f.loop.run_once();
  CHECK(f.pipe->state() == PipeState::closed);
  CHECK(f.pipe->info().close_reason.find("expired") != std::string::npos);
}

TEST_CASE("Pipe: close answers pending pulls, is idempotent and closes the transport", "[pipe][core]") {
  Fixture f;
  f.make(false);
  Puller c;
  f.pipe->pull("all", c.waiter());
  f.pipe->close("by request");
  f.pipe->close("again");
  CHECK(c.errors == std::vector<std::string>{"closed"});
  CHECK(f.wire->closed);
  CHECK(f.observer.closed == 1);
  CHECK(f.pipe->info().close_reason == "by request");
  CHECK(f.pipe->subscribe(filter("x", "")).error().code == "closed");
}

TEST_CASE("Pipe: a tap takes the raw bytes, first what was queued, and can hold reading", "[pipe][core]") {
  struct Tap final : PipeTap {
    std::string data;
    int ends = 0, drains = 0;
    void on_pipe_data(std::span<const std::uint8_t> b, const net::Endpoint&) override { data.append(b.begin(), b.end()); }
    void on_pipe_end(Status) override { ++ends; }
    void on_pipe_drained() override { ++drains; }
  };
  Fixture f;
  f.make(true, PipeOptions{Framing::line, false, ""});
  f.receive("early\npart");
  Puller c;
  Tap tap;
  REQUIRE(f.pipe->attach_tap(&tap).ok());
  Tap other;
  CHECK(f.pipe->attach_tap(&other).error().code == "conflict");
  CHECK(tap.data == "earlypart");  // framing was already removed from what was queued
  f.receive("raw\nbytes");          // after that: no framing
  CHECK(tap.data == "earlypartraw\nbytes");
  CHECK(f.pipe->try_recv().value() == nullptr);
  f.pipe->pull("all", c.waiter());
  CHECK(c.errors == std::vector<std::string>{"conflict"});
  f.pipe->hold_reading(true);
  CHECK_FALSE(f.wire->reading);
  f.pipe->hold_reading(false);
  CHECK(f.wire->reading);
  f.wire->handler->on_transport_drained();
  CHECK(tap.drains == 1);
  f.wire->handler->on_transport_end(Status{});
  CHECK(tap.ends == 1);
  CHECK(f.pipe->state() == PipeState::remote_closed);  // the relay decides
  f.pipe->close("relay done");
  CHECK(tap.ends == 1);  // not told twice
}

TEST_CASE("Pipe: a callback subscription gets messages pushed and cannot be pulled", "[pipe][core]") {
  Fixture f;
  f.make(false);
  std::vector<std::string> pushed;
  SubscriptionSpec s = filter("cb", "^p");
  s.callback = [&](const MessagePtr& m) { pushed.push_back(text(m)); };
  REQUIRE(f.pipe->subscribe(std::move(s)).ok());
  f.receive("ping");
  f.receive("other");
  CHECK(pushed == std::vector<std::string>{"ping"});
  Puller c;
  f.pipe->pull("cb", c.waiter());
  CHECK(c.errors == std::vector<std::string>{"bad_request"});
  CHECK(f.pipe->info().subs[1].overflow == "callback");

  // A callback may close the pipe; nothing after that runs on it.
  SubscriptionSpec closer = filter("closer", "^bye");
  closer.callback = [&](const MessagePtr&) { f.pipe->close("callback closed it"); };
  REQUIRE(f.pipe->subscribe(std::move(closer)).ok());
  f.receive("bye");
  CHECK(f.pipe->state() == PipeState::closed);
}
