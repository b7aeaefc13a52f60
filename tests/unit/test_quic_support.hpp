#pragma once
// Two QUIC endpoints on one loop for unit tests: identities, UDP muxes on loopback, a
// listener on the server side, and helpers to run the loop until something happens.
#include <sodium.h>

#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "test_loop_support.hpp"
#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/peer/path_tcp.hpp"
#include "core/peer/path_udp.hpp"
#include "core/peer/path_udp_mux.hpp"
#include "core/peer/quic/listener.hpp"
#include "core/peer/quic/session.hpp"

namespace p2pd::peer::quic::testing {

inline KeyPair make_identity() {
  REQUIRE(sodium_init() >= 0);
  KeyPair kp;
  crypto_sign_keypair(kp.public_key.data(), kp.secret_key.data());
  return kp;
}

inline std::shared_ptr<Credentials> make_credentials(const KeyPair& kp) {
  auto c = Credentials::create(kp);
  REQUIRE(c);
  return *c;
}

// Runs the loop until `done()` holds or `ms` pass; false on timeout.
template <class F>
bool run_until(loop::Loop& loop, F done, std::uint64_t ms = 5000) {
  return p2pd::testing::run_loop_until(loop, std::move(done), ms, 5);
}

inline void run_for(loop::Loop& loop, std::uint64_t ms) {
  const std::uint64_t until = loop.now_ms() + ms;
  run_until(loop, [&] { return loop.now_ms() >= until; }, ms + 1000);
}

inline net::Endpoint loopback(std::uint16_t port = 0) {
  auto e = net::Endpoint::parse("127.0.0.1:" + std::to_string(port));
  REQUIRE(e);
  return *e;
}

// A client identity, a server identity, and a server listening on a loopback UDP mux.
struct QuicPair {
  loop::Loop loop;
  KeyPair client_id = make_identity();
  KeyPair server_id = make_identity();
  SessionConfig client_config;
  SessionConfig server_config;
  std::unique_ptr<UdpMux> client_mux;
  std::unique_ptr<UdpMux> server_mux;
  std::unique_ptr<Listener> listener;
  std::vector<std::unique_ptr<Session>> accepted;
  std::vector<std::shared_ptr<Stream>> server_streams;  // streams the client opened
  std::vector<Error> server_closed;

  explicit QuicPair(std::size_t max_datagram = 1452) {
    client_config.credentials = make_credentials(client_id);
    client_config.expected_peer_key = server_id.public_key;
    server_config.credentials = make_credentials(server_id);
    UdpMuxOptions options;
    options.max_datagram = max_datagram;
    options.local_max_datagram = max_datagram;  // loopback, but the size the test asks for
    auto cm = UdpMux::bind(loop, loopback(), options);
    REQUIRE(cm);
    client_mux = std::move(*cm);
    auto sm = UdpMux::bind(loop, loopback(), options);
    REQUIRE(sm);
    server_mux = std::move(*sm);
  }

  ~QuicPair() {
    accepted.clear();
    listener.reset();
    server_streams.clear();
    run_for(loop, 10);  // let close callbacks run
  }

  void listen() {
    listener = std::make_unique<Listener>(loop, *server_mux, server_config, [this](std::unique_ptr<Session> s) {
      adopt(std::move(s));
    });
  }

  void adopt(std::unique_ptr<Session> s) {
    Session* raw = s.get();
    Session::Callbacks cb;
    cb.on_stream_opened = [this](std::shared_ptr<Stream> st) { server_streams.push_back(std::move(st)); };
    cb.on_closed = [this](Error e) { server_closed.push_back(std::move(e)); };
    raw->set_callbacks(std::move(cb));
    accepted.push_back(std::move(s));
  }

  // Connects a client session over UDP; the caller waits for on_established.
  std::unique_ptr<Session> connect(Session::Callbacks callbacks, const SessionConfig* config = nullptr) {
    auto path = client_mux->open_path(server_mux->local_endpoint());
    REQUIRE(path);
    auto s = Session::connect(loop, std::move(*path), config ? *config : client_config, std::move(callbacks));
    REQUIRE(s);
    return std::move(*s);
  }
};

// Connects over UDP with `callbacks` and waits for the handshake to be confirmed.
inline std::unique_ptr<Session> connect_established(QuicPair& p, Session::Callbacks callbacks = {}) {
  bool established = false;
  auto user = std::move(callbacks.on_established);
  callbacks.on_established = [&established, user] {
    established = true;
    if (user) user();
  };
  auto client = p.connect(std::move(callbacks));
  REQUIRE(run_until(p.loop, [&] { return established; }));
  return client;
}

// Reads everything a stream delivers into `out` (consuming as it goes).
inline void drain_into(const std::shared_ptr<Stream>& stream, std::vector<std::uint8_t>& out) {
  Stream* raw = stream.get();
  auto pull = [raw, &out] {
    while (raw->readable() > 0) {
      auto run = raw->peek();
      out.insert(out.end(), run.begin(), run.end());
      raw->consume(run.size());
    }
  };
  raw->set_on_readable(pull);
  pull();
}

}  // namespace p2pd::peer::quic::testing
