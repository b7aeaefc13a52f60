// Signaling end to end over real mosquitto brokers on 127.0.0.1 (started by the test,
// skipped with a message when mosquitto is not installed): request/response through two
// brokers with duplicates dropped, a third key that can neither read nor forge, one
// broker down, a broker restart, address records fetched by key.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "core/loop/loop.hpp"
#include "core/observe/metrics.hpp"
#include "core/proto/peer_address.hpp"
#include "core/signal/sealer.hpp"
#include "core/signal/signaling.hpp"
#include "core/signal/topics.hpp"
#include "test_loop_support.hpp"

using namespace p2pd;
using namespace p2pd::signaling;
using p2pd::testing::run_loop_until;

namespace {

const char* kMosquitto = "/usr/sbin/mosquitto";

// A free TCP port on 127.0.0.1 (bound and released; mosquitto binds it right after).
std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool port_open(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// One mosquitto on 127.0.0.1:port, anonymous, in memory only.
struct Broker {
  std::uint16_t port = free_port();
  std::string dir;
  pid_t pid = -1;
  Broker() {
    char tmpl[] = "/tmp/p2pd-mqtt-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    std::ofstream(dir + "/m.conf") << "listener " << port << " 127.0.0.1\nallow_anonymous true\npersistence false\n";
    start();
  }
  ~Broker() {
    stop();
    std::filesystem::remove_all(dir);
  }
  void start() {
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      std::freopen((dir + "/log").c_str(), "w", stderr);
      std::freopen((dir + "/log").c_str(), "w", stdout);
      ::execl(kMosquitto, kMosquitto, "-c", (dir + "/m.conf").c_str(), nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 200 && !port_open(port); ++i) ::usleep(10000);
    REQUIRE(port_open(port));
  }
  void stop() {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
  }
  BrokerAddress address() const { return BrokerAddress{"127.0.0.1", port}; }
};

KeyPair keys_of(std::uint8_t b) {
  REQUIRE(sodium_init() >= 0);
  std::array<std::uint8_t, crypto_sign_SEEDBYTES> seed{};
  seed.fill(b);
  return KeyPair::from_seed(seed);
}

SignalingOptions options_for(const KeyPair& keys, std::vector<BrokerAddress> brokers) {
  SignalingOptions o;
  o.brokers = std::move(brokers);
  o.keys = keys;
  o.keepalive_s = 5;
  o.backoff_min_ms = 100;
  o.backoff_max_ms = 400;
  o.address_grace_ms = 100;
  return o;
}

Payload bytes(std::string_view s) { return Payload(s.begin(), s.end()); }

struct Outcome {
  std::optional<Result<Incoming>> result;
  bool done() const { return result.has_value(); }
};

void ask(Signaling& from, const PublicKey& to, Outcome& out, std::string type = "ping", std::string text = "hi",
         std::uint64_t timeout_ms = 3000) {
  from.request(to, std::move(type), bytes(text), std::chrono::milliseconds(timeout_ms),
               [&out](Result<Incoming> r) { out.result = std::move(r); });
}

std::uint64_t counter(observe::Registry& r, const std::string& reason) {
  return r.counter("p2pd_signal_dropped_total", "signaling messages dropped", {{"reason", reason}}).value();
}

}  // namespace

TEST_CASE("signaling over mosquitto: requests, duplicates, a third key, a broker down and restarted",
          "[signal][mqtt]") {
  if (::access(kMosquitto, X_OK) != 0) {
    WARN("mosquitto is not installed (bash scripts/deps.sh): skipped");
    return;
  }
  Broker b1, b2;
  loop::Loop loop;
  observe::Registry ma, mb, me;
  const KeyPair ka = keys_of(1), kb = keys_of(2), ke = keys_of(3);
  Signaling a(loop, options_for(ka, {b1.address(), b2.address()}), ma);
  Signaling b(loop, options_for(kb, {b1.address(), b2.address()}), mb);
  Signaling eve(loop, options_for(ke, {b1.address(), b2.address()}), me);
  std::vector<std::string> b_saw;
  b.handle("echo", [&b_saw](const Incoming& in, Responder r) {
    b_saw.emplace_back(in.message.payload.begin(), in.message.payload.end());
    REQUIRE(r.can_reply());
    REQUIRE(r.reply("echoed", in.message.payload).ok());
    CHECK_FALSE(r.reply("again", {}).ok());  // at most once
  });
  a.start();
  b.start();
  eve.start();
  REQUIRE(run_loop_until(loop, [&] { return a.connected_count() == 2 && b.connected_count() == 2 &&
                                            eve.connected_count() == 2; }, 5000, 20));
  // Our subscriptions reach the brokers shortly after CONNACK.
  run_loop_until(loop, [] { return false; }, 200, 20);

  SECTION("request and response through both brokers, the duplicate dropped") {
    Outcome out;
    ask(a, kb.public_key, out, "echo", "hello b");
    REQUIRE(run_loop_until(loop, [&] { return out.done(); }, 3000, 20));
    REQUIRE(out.result->ok());
    CHECK((*out.result)->message.type == "echoed");
    CHECK((*out.result)->message.sender == kb.public_key);
    CHECK(std::string((*out.result)->message.payload.begin(), (*out.result)->message.payload.end()) == "hello b");
    run_loop_until(loop, [&] { return counter(mb, "duplicate") >= 1 && counter(ma, "duplicate") >= 1; }, 1000, 20);
    CHECK(b_saw == std::vector<std::string>{"hello b"});  // once, although it came twice
    CHECK(counter(mb, "duplicate") == 1);
    CHECK(counter(ma, "duplicate") == 1);
    CHECK(a.pending_requests() == 0);

    // The built-in ping, and a type nobody handles.
    Outcome ping, unknown;
    ask(a, kb.public_key, ping, "ping", "x");
    ask(a, kb.public_key, unknown, "nothing-here", "x");
    REQUIRE(run_loop_until(loop, [&] { return ping.done() && unknown.done(); }, 3000, 20));
    CHECK((*ping.result)->message.type == "pong");
    CHECK((*unknown.result)->message.type == "error");
  }

  SECTION("a third key can neither read nor forge") {
    // Eve listens on b's inbox and republishes what she sees, and sends one claiming to
    // be a (signed with her key): b accepts none of it.
    int seen_by_eve = 0;
    std::vector<std::vector<std::uint8_t>> captured;
    MqttHandlers h;
    h.message = [&](const std::string&, std::span<const std::uint8_t> p, bool) {
      ++seen_by_eve;
      captured.emplace_back(p.begin(), p.end());
    };
    MqttConnection tap(loop, MqttOptions{"127.0.0.1", b1.port}, h);
    tap.start();
    REQUIRE(run_loop_until(loop, [&] { return tap.connected(); }, 3000, 20));
    REQUIRE(tap.subscribe(inbox_topic(kb.public_key), 1).ok());
    run_loop_until(loop, [] { return false; }, 200, 20);

    Outcome out;
    ask(a, kb.public_key, out, "echo", "secret");
    REQUIRE(run_loop_until(loop, [&] { return out.done() && seen_by_eve >= 1; }, 3000, 20));
    REQUIRE(out.result->ok());
    for (const auto& env : captured) CHECK(open(env, ke).error().code == "undecryptable");
    // Replaying the captured envelope: dropped as a duplicate, the handler is not run again.
    const auto dup_before = counter(mb, "duplicate");
    for (const auto& env : captured) REQUIRE(tap.publish(inbox_topic(kb.public_key), env, 1, false).ok());
    run_loop_until(loop, [&] { return counter(mb, "duplicate") > dup_before; }, 2000, 20);
    CHECK(counter(mb, "duplicate") > dup_before);
    CHECK(b_saw == std::vector<std::string>{"secret"});

    // A forgery: sender field says a, signature by eve.
    Message forged;
    forged.sender = ka.public_key;
    forged.recipient = kb.public_key;
    forged.timestamp_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    forged.nonce.fill(0x42);
    forged.kind = Kind::request;
    forged.id = 1;
    forged.type = "echo";
    forged.payload = bytes("forged");
    forged.signature = sign_bytes(proto::signaling::signed_bytes(forged), ke);
    auto plain = proto::signaling::serialize(forged);
    std::array<std::uint8_t, crypto_box_PUBLICKEYBYTES> bx{};
    REQUIRE(crypto_sign_ed25519_pk_to_curve25519(bx.data(), kb.public_key.data()) == 0);
    std::vector<std::uint8_t> box(plain.size() + crypto_box_SEALBYTES);
    REQUIRE(crypto_box_seal(box.data(), plain.data(), plain.size(), bx.data()) == 0);
    REQUIRE(tap.publish(inbox_topic(kb.public_key), proto::signaling::wrap(box), 1, false).ok());
    REQUIRE(run_loop_until(loop, [&] { return counter(mb, "bad_signature") >= 1; }, 2000, 20));
    CHECK(b_saw == std::vector<std::string>{"secret"});
    tap.stop();
  }

  SECTION("one broker down: still works; restarted: reconnects") {
    b1.stop();
    REQUIRE(run_loop_until(loop, [&] { return a.connected_count() == 1 && b.connected_count() == 1; }, 5000, 20));
    auto infos = a.brokers();
    REQUIRE(infos.size() == 2);
    CHECK(infos[0].state != MqttState::connected);
    CHECK_FALSE(infos[0].last_error.empty());
    CHECK(infos[1].state == MqttState::connected);
    Outcome out;
    ask(a, kb.public_key, out, "echo", "via b2");
    REQUIRE(run_loop_until(loop, [&] { return out.done(); }, 3000, 20));
    REQUIRE(out.result->ok());

    b2.stop();  // no broker at all: unreachable at once, not a timeout
    REQUIRE(run_loop_until(loop, [&] { return a.connected_count() == 0; }, 5000, 20));
    Outcome none;
    ask(a, kb.public_key, none, "echo", "nowhere");
    REQUIRE(run_loop_until(loop, [&] { return none.done(); }, 500, 20));
    CHECK(none.result->error().code == "unreachable");

    b1.start();  // same port: the connections come back by themselves
    REQUIRE(run_loop_until(loop, [&] { return a.connected_count() == 1 && b.connected_count() == 1; }, 5000, 20));
    run_loop_until(loop, [] { return false; }, 200, 20);
    Outcome again;
    ask(a, kb.public_key, again, "echo", "after restart");
    REQUIRE(run_loop_until(loop, [&] { return again.done(); }, 3000, 20));
    REQUIRE(again.result->ok());
    CHECK(a.brokers()[0].connects >= 2);
  }

  SECTION("address records: published retained, fetched by key, newest wins") {
    proto::peer::PeerAddress pa;
    pa.key = kb.public_key;
    pa.ports = {40123};
    const std::string v1 = proto::peer::serialize(pa);
    pa.ports = {40124};
    const std::string v2 = proto::peer::serialize(pa);
    b.set_address(v1);
    b.set_address(v2);
    run_loop_until(loop, [] { return false; }, 200, 20);
    std::optional<Result<std::string>> got;
    a.fetch_address(kb.public_key, std::chrono::milliseconds(2000), [&](Result<std::string> r) { got = r; });
    REQUIRE(run_loop_until(loop, [&] { return got.has_value(); }, 3000, 20));
    REQUIRE(got->ok());
    CHECK(**got == v2);
    // Nobody published for eve's key.
    std::optional<Result<std::string>> none;
    a.fetch_address(ke.public_key, std::chrono::milliseconds(300), [&](Result<std::string> r) { none = r; });
    REQUIRE(run_loop_until(loop, [&] { return none.has_value(); }, 2000, 20));
    CHECK(none->error().code == "not_found");
  }

  SECTION("a request nobody answers times out; stop() fails what is pending") {
    Outcome out;
    ask(a, ke.public_key, out, "echo", "eve has no echo handler? she answers error", 3000);
    REQUIRE(run_loop_until(loop, [&] { return out.done(); }, 3000, 20));
    CHECK((*out.result)->message.type == "error");
    eve.stop();
    Outcome lost;
    ask(a, ke.public_key, lost, "echo", "nobody", 400);
    REQUIRE(run_loop_until(loop, [&] { return lost.done(); }, 2000, 20));
    CHECK(lost.result->error().code == "timeout");
    Outcome cut;
    ask(a, ke.public_key, cut, "echo", "cut", 5000);
    a.stop();
    REQUIRE(cut.done());
    CHECK(cut.result->error().code == "shutting_down");
  }
  a.stop();
  b.stop();
  eve.stop();
  run_loop_until(loop, [] { return false; }, 50, 10);
}
