// p2pd_bench_peer_stream: one-way throughput of a byte stream between two loops on two
// threads over loopback, as a peer session carries it, against a plain TCP connection
// between the same two loops (the baseline). Prints one JSON line per run.
//
//   p2pd_bench_peer_stream --mode tcp|quic-udp|quic-tcp [--mib N]
//
// quic-*: the receiver is a PeerService (node port, QUIC listener, open headers), the
// sender dials it with a Dialer holding one candidate of the chosen kind, opens a stream
// named "bench" and writes N MiB as fast as the stream takes it, then FIN. The clock runs
// from the first byte written to the receiver seeing EOF with every byte counted.
// The sender's session counters go to stderr. Knobs for investigations (environment):
// P2PD_BENCH_TRACE=1 (cwnd, bytes in flight, RTT, stream buffer every 100 ms),
// P2PD_BENCH_BBR=1 (BBR instead of CUBIC), P2PD_BENCH_NO_PACING=1.
#include <sodium.h>

#include <csignal>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/peer/dialer.hpp"
#include "core/peer/peer_service.hpp"
#include "core/peer/quic/open_header.hpp"

using namespace p2pd;
namespace quic = p2pd::peer::quic;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kChunk = 64 * 1024;

struct Args {
  std::string mode = "quic-udp";
  std::uint64_t bytes = 256ull << 20;
};

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "p2pd_bench_peer_stream: %s\n", why.c_str());
  std::exit(1);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (i + 1 >= argc) fail("missing value for " + k);
    std::string v = argv[++i];
    if (k == "--mode") a.mode = v;
    else if (k == "--mib") a.bytes = std::strtoull(v.c_str(), nullptr, 10) << 20;
    else fail("unknown flag " + k);
  }
  if (a.mode != "tcp" && a.mode != "quic-udp" && a.mode != "quic-tcp") fail("--mode: tcp, quic-udp or quic-tcp");
  if (a.bytes == 0) fail("--mib must be > 0");
  return a;
}

net::Endpoint loopback(std::uint16_t port) {
  auto e = net::Endpoint::parse("127.0.0.1:" + std::to_string(port));
  if (!e) fail("bad endpoint");
  return *e;
}

// Runs `loop` until `done` is set (a periodic timer keeps run_once from sleeping forever).
void run(loop::Loop& loop, const std::atomic<bool>& done) {
  loop::Timer tick(loop);
  tick.start(10, 10, [] {});
  while (!done.load()) loop.run_once();
}

struct Receiver {
  std::promise<std::uint16_t> port;
  std::promise<Clock::time_point> finished;
  std::atomic<bool> stop{false};
  std::uint64_t received = 0;
};

quic::KeyPair new_identity() {
  quic::KeyPair kp;
  crypto_sign_keypair(kp.public_key.data(), kp.secret_key.data());
  return kp;
}

std::shared_ptr<quic::Credentials> credentials(const quic::KeyPair& kp) {
  auto c = quic::Credentials::create(kp);
  if (!c) fail("credentials: " + c.error().message);
  return *c;
}

// --- baseline: a plain TCP connection -----------------------------------------------

void tcp_receiver(Receiver& r) {
  loop::Loop loop;
  loop::Tcp listener(loop);
  std::optional<loop::Tcp> conn;
  if (!listener.bind(loopback(0))) fail("bind");
  if (!listener.listen(16, [&](Status s) {
        if (!s) fail("accept");
        auto c = listener.accept();
        if (!c) fail("accept");
        conn.emplace(std::move(*c));
        (void)conn->read_start([&](std::span<const std::uint8_t> b) { r.received += b.size(); },
                               [&](Status) { r.finished.set_value(Clock::now()); });
      }))
    fail("listen");
  r.port.set_value(listener.local_endpoint()->port);
  run(loop, r.stop);
}

Clock::time_point tcp_sender(std::uint16_t port, std::uint64_t total, const std::atomic<bool>& stop) {
  loop::Loop loop;
  loop::Tcp tcp(loop);
  bool done = false;
  Clock::time_point t0;
  std::uint64_t queued = 0;
  std::function<void()> pump = [&] {
    // Keep about 4 MiB in libuv's write queue: enough to never starve the socket.
    while (queued < total && tcp.write_queue_size() < (4u << 20)) {
      std::size_t n = std::min<std::uint64_t>(kChunk, total - queued);
      queued += n;
      tcp.write(std::vector<std::uint8_t>(n, 0x5a), [&](Status s) {
        if (!s) fail("tcp write");
        pump();
      });
    }
    if (queued == total && tcp.write_queue_size() == 0 && !done) {
      done = true;
      tcp.shutdown();
    }
  };
  tcp.connect(loopback(port), [&](Status s) {
    if (!s) fail("tcp connect: " + s.error().message);
    (void)tcp.set_nodelay(true);
    t0 = Clock::now();
    pump();
  });
  run(loop, stop);
  return t0;
}

// --- peer session: PeerService receiving, Dialer sending -----------------------------

void quic_receiver(Receiver& r, const quic::KeyPair& id) {
  loop::Loop loop;
  std::shared_ptr<quic::Stream> stream;
  peer::PeerServiceOptions o;
  o.bind_v4 = "127.0.0.1";
  o.ipv6 = false;
  o.session.credentials = credentials(id);
  auto svc = peer::PeerService::start(loop, o, [&](peer::PeerStream ps, std::string) {
    stream = ps.stream;
    auto drain = [&] {
      while (stream->readable() > 0) {
        auto run = stream->peek();
        r.received += run.size();
        stream->consume(run.size());
      }
      if (stream->eof()) {
        r.finished.set_value(Clock::now());
        stream->set_on_readable(nullptr);
      }
    };
    stream->set_on_readable(drain);
    drain();
  });
  if (!svc) fail("peer service: " + svc.error().message);
  r.port.set_value((*svc)->port());
  run(loop, r.stop);
}

struct QuicSendResult {
  Clock::time_point t0;
  std::uint64_t handshake_ms = 0;
  std::string path;
  std::string detail;  // the sender's session and socket counters at the end
};

QuicSendResult quic_sender(std::uint16_t port, std::uint64_t total, const quic::KeyPair& server, bool over_tcp,
                           const std::atomic<bool>& stop) {
  loop::Loop loop;
  auto me = new_identity();
  auto mux = peer::UdpMux::bind(loop, loopback(0), {});
  if (!mux) fail("udp mux");
  quic::SessionConfig config;
  config.credentials = credentials(me);
  config.expected_peer_key = server.public_key;
  if (std::getenv("P2PD_BENCH_NO_PACING")) config.pacing = false;
  if (std::getenv("P2PD_BENCH_BBR")) config.congestion = quic::Congestion::bbr;
  QuicSendResult out;
  std::unique_ptr<quic::Session> session;
  std::shared_ptr<quic::Stream> stream;
  std::uint64_t written = 0;
  std::vector<std::uint8_t> chunk(kChunk, 0x5a);
  auto pump = [&] {
    while (written < total) {
      std::size_t want = std::min<std::uint64_t>(kChunk, total - written);
      std::size_t n = stream->write({chunk.data(), want});
      written += n;
      if (n < want) return;  // on_writable continues
    }
    stream->shutdown_write();
    stream->set_on_writable(nullptr);
  };
  peer::DialCandidate candidate{over_tcp ? peer::PathKind::tcp : peer::PathKind::udp, loopback(port), "bench"};
  peer::Dialer dialer(
      loop, [&](net::Family) { return mux->get(); }, config, {candidate}, {},
      [&](Result<peer::Dialer::Win> win) {
        if (!win) fail("dial: " + win.error().message);
        session = std::move(win->session);
        out.handshake_ms = win->elapsed_ms;
        out.path = session->path().describe();
        quic::Session::Callbacks cb;
        cb.on_closed = [&](Error e) {
          if (!stop) fail("session closed: " + e.message);
        };
        session->set_callbacks(std::move(cb));
        auto s = session->open_stream();
        if (!s) fail("open stream: " + s.error().message);
        stream = *s;
        auto header = quic::encode_open_header("bench");
        stream->write_all(header);
        stream->set_on_writable(pump);
        out.t0 = Clock::now();
        pump();
      });
  loop::Timer sample(loop);
  if (std::getenv("P2PD_BENCH_TRACE"))
    sample.start(100, 100, [&] {
      if (!session || !stream) return;
      auto cc = session->congestion();
      std::fprintf(stderr, "trace: cwnd=%llu inflight=%llu srtt_us=%llu rate=%llu buffered=%zu unsent=%zu written=%llu\n",
                   (unsigned long long)cc.cwnd, (unsigned long long)cc.bytes_in_flight,
                   (unsigned long long)cc.smoothed_rtt_us, (unsigned long long)cc.delivery_rate_bps, stream->buffered(),
                   stream->unsent_bytes(), (unsigned long long)written);
    });
  run(loop, stop);
  if (session) {
    auto st = session->stats();
    auto cc = session->congestion();
    auto ms = (*mux)->stats();
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "packets_sent=%llu would_block=%llu cwnd=%llu srtt_us=%llu min_rtt_us=%llu mux_sent=%llu "
                  "mux_would_block=%llu",
                  (unsigned long long)st.packets_sent, (unsigned long long)st.send_would_block,
                  (unsigned long long)cc.cwnd, (unsigned long long)cc.smoothed_rtt_us,
                  (unsigned long long)cc.min_rtt_us, (unsigned long long)ms.sent, (unsigned long long)ms.would_block);
    out.detail = buf;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse(argc, argv);
  std::signal(SIGPIPE, SIG_IGN);  // as in the daemon: a peer gone mid-write is an error value
  if (sodium_init() < 0) fail("libsodium");
  Receiver r;
  auto port_ready = r.port.get_future();
  auto finished = r.finished.get_future();
  auto server_id = new_identity();
  std::thread receiver([&] {
    if (args.mode == "tcp") tcp_receiver(r);
    else quic_receiver(r, server_id);
  });
  std::uint16_t port = port_ready.get();
  Clock::time_point t0;
  std::uint64_t handshake_ms = 0;
  std::string path = "tcp (plain)";
  std::thread sender([&] {
    if (args.mode == "tcp") {
      t0 = tcp_sender(port, args.bytes, r.stop);
    } else {
      auto q = quic_sender(port, args.bytes, server_id, args.mode == "quic-tcp", r.stop);
      t0 = q.t0;
      handshake_ms = q.handshake_ms;
      path = q.path;
      std::fprintf(stderr, "sender: %s\n", q.detail.c_str());
    }
  });
  auto t1 = finished.get();
  r.stop = true;
  sender.join();
  receiver.join();
  if (r.received != args.bytes)
    fail("received " + std::to_string(r.received) + " of " + std::to_string(args.bytes) + " bytes");
  double s = std::chrono::duration<double>(t1 - t0).count();
  std::printf("{\"mode\":\"%s\",\"path\":\"%s\",\"bytes\":%llu,\"seconds\":%.3f,\"mb_per_s\":%.1f,\"handshake_ms\":%llu}\n",
              args.mode.c_str(), path.c_str(), static_cast<unsigned long long>(args.bytes), s,
              args.bytes / s / 1e6, static_cast<unsigned long long>(handshake_ms));
  return 0;
}
