// p2pd_bench_turn: sends UDP datagrams to a peer as fast as the socket takes them, for
// a number of seconds, either directly (a plain UDP socket: the baseline) or through a
// TURN allocation (TurnClient from the core library, ChannelData once the channel is
// bound). Prints one JSON line with what it sent. Used by tests/bench/bench_turn.sh.
//
//   p2pd_bench_turn --peer IP:PORT [--seconds S] [--size BYTES]
//                   [--turn IP:PORT --user U --password P]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/loop/udp.hpp"
#include "core/net/endpoint.hpp"
#include "core/traverse/turn_client.hpp"

using namespace p2pd;

namespace {

struct Args {
  std::optional<net::Endpoint> peer, turn;
  std::string user, password;
  double seconds = 3;
  std::size_t size = 1200;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "p2pd_bench_turn: %s\nusage: p2pd_bench_turn --peer IP:PORT [--seconds S] [--size BYTES] "
                       "[--turn IP:PORT --user U --password P]\n", why);
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (i + 1 >= argc) usage(("missing value for " + k).c_str());
    std::string v = argv[++i];
    if (k == "--peer") a.peer = net::Endpoint::parse(v).ok() ? std::optional(net::Endpoint::parse(v).value()) : std::nullopt;
    else if (k == "--turn") a.turn = net::Endpoint::parse(v).ok() ? std::optional(net::Endpoint::parse(v).value()) : std::nullopt;
    else if (k == "--user") a.user = v;
    else if (k == "--password") a.password = v;
    else if (k == "--seconds") a.seconds = std::atof(v.c_str());
    else if (k == "--size") a.size = static_cast<std::size_t>(std::atol(v.c_str()));
    else usage(("unknown option " + k).c_str());
  }
  if (!a.peer) usage("--peer IP:PORT is required");
  if (a.size == 0 || a.size > 65000 || a.seconds <= 0) usage("bad --size or --seconds");
  return a;
}

// Sends rounds of datagrams every millisecond while the socket takes them.
class Blaster {
 public:
  using SendFn = std::function<bool(std::span<const std::uint8_t>)>;  // false: would block
  using BacklogFn = std::function<std::size_t()>;
  Blaster(loop::Loop& loop, std::size_t size) : loop_(loop), timer_(loop), payload_(size, 0x5a) {}

  void run(double seconds, SendFn send, BacklogFn backlog, std::function<void()> done) {
    start_ = loop_.now_ms();
    const auto end = start_ + static_cast<std::uint64_t>(seconds * 1000);
    timer_.start(0, 1, [this, end, send = std::move(send), backlog = std::move(backlog), done = std::move(done)] {
      if (loop_.now_ms() >= end) {
        timer_.stop();
        elapsed_ms_ = loop_.now_ms() - start_;
        return done();
      }
      for (int i = 0; i < 512 && backlog() == 0; ++i) {
        std::memcpy(payload_.data(), &sent_, sizeof sent_);  // a sequence number, for the sink
        if (!send(payload_)) break;
        ++sent_;
      }
    });
  }
  std::uint64_t sent() const { return sent_; }
  std::uint64_t elapsed_ms() const { return elapsed_ms_; }

 private:
  loop::Loop& loop_;
  loop::Timer timer_;
  std::vector<std::uint8_t> payload_;
  std::uint64_t sent_ = 0, start_ = 0, elapsed_ms_ = 0;
};

void report(const char* mode, const Blaster& b, std::size_t size, const std::string& relayed) {
  std::printf("{\"mode\":\"%s\",\"sent\":%llu,\"bytes\":%llu,\"seconds\":%.3f,\"relayed\":\"%s\"}\n", mode,
              static_cast<unsigned long long>(b.sent()), static_cast<unsigned long long>(b.sent() * size),
              static_cast<double>(b.elapsed_ms()) / 1000.0, relayed.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  loop::Loop loop;
  Blaster blaster(loop, args.size);
  int rc = 0;

  if (!args.turn) {
    loop::Udp udp(loop);
    net::Endpoint any;
    any.address.family = args.peer->address.family;
    if (auto st = udp.bind(any); !st) usage(st.error().message.c_str());
    blaster.run(
        args.seconds, [&](std::span<const std::uint8_t> d) { return udp.try_send(*args.peer, d).ok(); },
        [] { return std::size_t{0}; }, [&] { udp.close(); });
    loop.run();
    report("direct", blaster, args.size, "");
    return 0;
  }

  traverse::turn::ClientOptions o;
  traverse::turn::TurnServer s;
  s.host = args.turn->address.to_string();
  s.port = args.turn->port;
  s.username = args.user;
  s.password = args.password;
  o.servers.push_back(s);
  std::unique_ptr<traverse::turn::TurnClient> client;
  std::string relayed;
  traverse::turn::TurnClient::Events ev;
  ev.on_failed = [&](const Error& e) {
    std::fprintf(stderr, "p2pd_bench_turn: %s\n", e.message.c_str());
    rc = 1;
    client.reset();  // the loop ends when nothing is left on it
  };
  ev.on_released = [&] { client.reset(); };
  ev.on_allocated = [&] {
    relayed = client->relayed() ? client->relayed()->to_string() : "";
    // Bind the channel first, so that the measurement is of ChannelData.
    client->bind_channel(*args.peer, [&](Result<std::uint16_t> ch) {
      if (!ch) {
        std::fprintf(stderr, "p2pd_bench_turn: channel: %s\n", ch.error().message.c_str());
        rc = 1;
        return client->release();
      }
      blaster.run(
          args.seconds,
          [&](std::span<const std::uint8_t> d) { return client->send(*args.peer, d).ok(); },
          [&] { return client->backlog(); }, [&] { client->release(); });
    });
  };
  client = std::make_unique<traverse::turn::TurnClient>(loop, o, ev);
  client->start();
  loop.run();
  if (rc == 0) report("turn", blaster, args.size, relayed);
  return rc;
}
