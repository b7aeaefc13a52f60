#pragma once
// A GnuTLS server session over memory buffers for the [tls] tests (and LoopTlsServer:
// one on a loopback TCP listener), with the test
// certificates of tests/unit/data/tls (see its README): a CA, a server certificate it
// signed for turn.test.p2pd, 127.0.0.1 and ::1 (valid to 2126), and an unrelated CA.
#include <gnutls/gnutls.h>

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/tls/tls_client.hpp"
#include "test_loop_support.hpp"
#include "core/tls/tls_trust.hpp"

namespace p2pd::tls::testing {

inline std::string data_path(const char* name) {
  return (std::filesystem::path(__FILE__).parent_path() / "data" / "tls" / name).string();
}

inline std::string read_data(const char* name) {
  std::ifstream in(data_path(name), std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::shared_ptr<const Trust> trust_of(const char* ca) {
  auto t = Trust::load(data_path(ca));
  REQUIRE(t.ok());
  return *t;
}

class MemoryServer {
 public:
  MemoryServer() {
    REQUIRE(gnutls_certificate_allocate_credentials(&cred_) == 0);
    REQUIRE(gnutls_certificate_set_x509_key_file(cred_, data_path("server.pem").c_str(), data_path("server.key").c_str(),
                                                 GNUTLS_X509_FMT_PEM) == 0);
    REQUIRE(gnutls_init(&s_, GNUTLS_SERVER | GNUTLS_NONBLOCK) == 0);
    REQUIRE(gnutls_set_default_priority(s_) == 0);
    REQUIRE(gnutls_credentials_set(s_, GNUTLS_CRD_CERTIFICATE, cred_) == 0);
    gnutls_transport_set_ptr(s_, this);
    gnutls_transport_set_push_function(s_, [](gnutls_transport_ptr_t p, const void* d, size_t n) -> ssize_t {
      auto* self = static_cast<MemoryServer*>(p);
      auto* b = static_cast<const std::uint8_t*>(d);
      self->out_.insert(self->out_.end(), b, b + n);
      return static_cast<ssize_t>(n);
    });
    gnutls_transport_set_pull_function(s_, [](gnutls_transport_ptr_t p, void* d, size_t n) -> ssize_t {
      auto* self = static_cast<MemoryServer*>(p);
      if (self->in_.empty()) {
        gnutls_transport_set_errno(self->s_, EAGAIN);
        return -1;
      }
      n = std::min(n, self->in_.size());
      std::memcpy(d, self->in_.data(), n);
      self->in_.erase(self->in_.begin(), self->in_.begin() + static_cast<std::ptrdiff_t>(n));
      return static_cast<ssize_t>(n);
    });
  }
  ~MemoryServer() {
    gnutls_deinit(s_);
    gnutls_certificate_free_credentials(cred_);
  }
  MemoryServer(const MemoryServer&) = delete;
  MemoryServer& operator=(const MemoryServer&) = delete;

  // Ciphertext from the client: advances the handshake, keeps plaintext in received.
  void feed(std::span<const std::uint8_t> bytes) {
    in_.insert(in_.end(), bytes.begin(), bytes.end());
    if (!handshake_done) {
      int rc = gnutls_handshake(s_);
      if (rc == GNUTLS_E_AGAIN) return;
      if (rc < 0) {
        handshake_error = rc;
        return;
      }
      handshake_done = true;
    }
    std::uint8_t buf[4096];
    for (;;) {
      ssize_t n = gnutls_record_recv(s_, buf, sizeof buf);
      if (n > 0) {
        received.insert(received.end(), buf, buf + n);
        continue;
      }
      if (n == 0) got_close_notify = true;
      if (n == GNUTLS_E_AGAIN && gnutls_record_check_pending(s_) > 0) continue;
      return;
    }
  }
  void send(std::span<const std::uint8_t> plain) {
    std::size_t done = 0;
    while (done < plain.size()) {
      ssize_t n = gnutls_record_send(s_, plain.data() + done, plain.size() - done);
      REQUIRE(n > 0);
      done += static_cast<std::size_t>(n);
    }
  }
  std::vector<std::uint8_t> take_output() { return std::exchange(out_, {}); }
  // The SNI the client sent ("" for none).
  std::string sni() {
    char name[256];
    size_t size = sizeof name;
    unsigned int type = 0;
    if (gnutls_server_name_get(s_, name, &size, &type, 0) != 0) return "";
    return std::string(name, size);
  }

  bool handshake_done = false;
  int handshake_error = 0;
  bool got_close_notify = false;
  std::vector<std::uint8_t> received;

 private:
  gnutls_certificate_credentials_t cred_ = nullptr;
  gnutls_session_t s_ = nullptr;
  std::vector<std::uint8_t> in_;
  std::vector<std::uint8_t> out_;
};

// Moves bytes both ways until neither side has any; the client's plaintext is
// appended to `plain`. Returns the client's first error, if any.
inline Status pump(TlsClient& client, MemoryServer& server, std::vector<std::uint8_t>& plain,
                   std::size_t chunk = 1 << 20) {
  for (int round = 0; round < 100; ++round) {
    auto to_server = client.take_output();
    if (!to_server.empty()) server.feed(to_server);
    auto to_client = server.take_output();
    if (to_server.empty() && to_client.empty()) return {};
    for (std::size_t pos = 0; pos < to_client.size(); pos += chunk) {
      auto piece = std::span(to_client).subspan(pos, std::min(chunk, to_client.size() - pos));
      auto got = client.feed(piece);
      if (!got) return got.error();
      plain.insert(plain.end(), got->begin(), got->end());
    }
  }
  FAIL("the TLS exchange did not settle");
  return {};
}

// A loopback TCP listener whose one accepted connection runs a MemoryServer that
// echoes (or stays silent, for the deadline test).
struct LoopTlsServer {
  explicit LoopTlsServer(loop::Loop& loop, bool silent = false) : listener(loop), silent(silent) {
    REQUIRE(listener.bind(net::Endpoint::parse("127.0.0.1:0").value()).ok());
    endpoint = listener.local_endpoint().value();
    REQUIRE(listener
                .listen(8,
                        [this](Status) {
                          auto c = listener.accept();
                          REQUIRE(c.ok());
                          conn = std::move(*c);
                          REQUIRE(conn.read_start([this](std::span<const std::uint8_t> d) { on(d); },
                                                  [this](Status) { ended = true; })
                                      .ok());
                        })
                .ok());
  }
  void on(std::span<const std::uint8_t> d) {
    if (silent) return;
    tls.feed(d);
    if (!tls.received.empty()) {
      tls.send(tls.received);  // echo
      echoed += tls.received.size();
      tls.received.clear();
    }
    auto out = tls.take_output();
    if (!out.empty()) conn.write(std::move(out));
  }
  loop::Tcp listener;
  loop::Tcp conn;
  MemoryServer tls;
  net::Endpoint endpoint;
  bool silent = false;
  bool ended = false;
  std::size_t echoed = 0;
};

// A TCP connection to `to`, connected.
inline loop::Tcp connect_to(loop::Loop& loop, const net::Endpoint& to) {
  loop::Tcp tcp(loop);
  bool done = false;
  tcp.connect(to, [&](Status st) {
    REQUIRE(st.ok());
    done = true;
  });
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return done; }, 5000, 10));
  return tcp;
}


}  // namespace p2pd::tls::testing
