// TLS client sessions (core/tls): handshakes over memory buffers against a GnuTLS
// server with the test certificates, certificate and name checks, error mapping, the
// trust store loader, and TlsStream on real loopback TCP with its handshake deadline.
#include <catch2/catch.hpp>

#include <gnutls/gnutls.h>

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/tls/tls_client.hpp"
#include "core/tls/tls_errors.hpp"
#include "core/tls/tls_stream.hpp"
#include "core/tls/tls_trust.hpp"
#include "test_loop_support.hpp"
#include "test_tls_support.hpp"

using namespace p2pd;
using namespace p2pd::tls;
using namespace p2pd::tls::testing;

namespace {

std::unique_ptr<TlsClient> make_client(const char* ca, std::string name) {
  auto c = TlsClient::create({trust_of(ca), std::move(name)});
  REQUIRE(c.ok());
  return std::move(*c);
}

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_CASE("TLS client: handshake over memory buffers, data both ways, close_notify", "[tls]") {
  auto client = make_client("ca.pem", "turn.test.p2pd");
  MemoryServer server;
  REQUIRE(client->start().ok());
  CHECK(client->state() == TlsClient::State::handshaking);
  std::vector<std::uint8_t> plain;
  REQUIRE(pump(*client, server, plain).ok());
  REQUIRE(client->is_open());
  CHECK(server.handshake_done);
  CHECK(server.sni() == "turn.test.p2pd");  // a DNS name is sent as SNI
  CHECK(client->protocol() == "TLS1.3");

  REQUIRE(client->write(bytes_of("hello server")).ok());
  server.send(bytes_of("hello client"));
  REQUIRE(pump(*client, server, plain).ok());
  CHECK(server.received == bytes_of("hello server"));
  CHECK(plain == bytes_of("hello client"));

  client->bye();
  (void)pump(*client, server, plain);
  CHECK(server.got_close_notify);
  CHECK_FALSE(client->write(bytes_of("late")).ok());
}

TEST_CASE("TLS client: many records split into small pieces all come out", "[tls]") {
  auto client = make_client("ca.pem", "turn.test.p2pd");
  MemoryServer server;
  REQUIRE(client->start().ok());
  std::vector<std::uint8_t> plain;
  REQUIRE(pump(*client, server, plain).ok());
  REQUIRE(client->is_open());
  std::vector<std::uint8_t> big(200 * 1024);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7);
  // Several records at once, fed whole (drained with record_check_pending) and in odd pieces.
  for (std::size_t chunk : {std::size_t{1} << 20, std::size_t{997}, std::size_t{5}}) {
    plain.clear();
    server.send(big);
    REQUIRE(pump(*client, server, plain, chunk).ok());
    INFO("chunk " << chunk);
    CHECK(plain == big);
  }
  REQUIRE(client->write(big).ok());
  REQUIRE(pump(*client, server, plain).ok());
  CHECK(server.received == big);
}

TEST_CASE("TLS client: an IP address is checked against IP SANs and sends no SNI", "[tls]") {
  for (const char* ip : {"127.0.0.1", "::1"}) {
    auto client = make_client("ca.pem", ip);
    MemoryServer server;
    REQUIRE(client->start().ok());
    std::vector<std::uint8_t> plain;
    INFO(ip);
    REQUIRE(pump(*client, server, plain).ok());
    CHECK(client->is_open());
    CHECK(server.sni().empty());
  }
  auto other = make_client("ca.pem", "192.0.2.7");
  MemoryServer server;
  REQUIRE(other->start().ok());
  std::vector<std::uint8_t> plain;
  auto st = pump(*other, server, plain);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == "tls_cert");
  CHECK(st.error().message.find("certificate is not for 192.0.2.7") != std::string::npos);
  CHECK(other->state() == TlsClient::State::failed);
}

TEST_CASE("TLS client: a certificate from an unknown CA or for another name is refused", "[tls]") {
  SECTION("unknown issuer") {
    auto client = make_client("other_ca.pem", "turn.test.p2pd");
    MemoryServer server;
    REQUIRE(client->start().ok());
    std::vector<std::uint8_t> plain;
    auto st = pump(*client, server, plain);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == "tls_cert");
    CHECK(st.error().message.find("certificate issuer is unknown") != std::string::npos);
    CHECK_FALSE(client->feed(bytes_of("more")).ok());
  }
  SECTION("another name") {
    auto client = make_client("ca.pem", "evil.test.p2pd");
    MemoryServer server;
    REQUIRE(client->start().ok());
    std::vector<std::uint8_t> plain;
    auto st = pump(*client, server, plain);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == "tls_cert");
    CHECK(st.error().message.find("certificate is not for evil.test.p2pd") != std::string::npos);
    CHECK(st.error().message.find("issuer") == std::string::npos);
  }
}

TEST_CASE("TLS client: a server that does not speak TLS fails the handshake", "[tls]") {
  auto client = make_client("ca.pem", "turn.test.p2pd");
  REQUIRE(client->start().ok());
  CHECK_FALSE(client->take_output().empty());  // the ClientHello
  auto r = client->feed(bytes_of("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "tls_handshake");
  CHECK(r.error().message.find("TLS handshake with turn.test.p2pd failed") != std::string::npos);
  CHECK(client->state() == TlsClient::State::failed);
}

TEST_CASE("TLS client: options are checked", "[tls]") {
  CHECK(TlsClient::create({nullptr, "x"}).error().code == "bad_request");
  CHECK(TlsClient::create({trust_of("ca.pem"), ""}).error().code == "bad_request");
  auto c = make_client("ca.pem", "turn.test.p2pd");
  CHECK_FALSE(c->write(bytes_of("early")).ok());  // not open before the handshake
  REQUIRE(c->start().ok());
  CHECK_FALSE(c->start().ok());
}

TEST_CASE("TLS errors: certificate status bits read as reasons", "[tls]") {
  CHECK(cert_status_text(GNUTLS_CERT_INVALID | GNUTLS_CERT_SIGNER_NOT_FOUND, "a.example") ==
        "certificate issuer is unknown");
  CHECK(cert_status_text(GNUTLS_CERT_INVALID | GNUTLS_CERT_EXPIRED | GNUTLS_CERT_UNEXPECTED_OWNER, "a.example") ==
        "certificate is not for a.example; certificate has expired");
  CHECK(cert_status_text(GNUTLS_CERT_NOT_ACTIVATED, "x") == "certificate is not valid yet");
  CHECK(cert_status_text(GNUTLS_CERT_REVOKED, "x") == "certificate was revoked");
  CHECK(cert_status_text(GNUTLS_CERT_INVALID, "x") == "certificate was not accepted");
  auto e = cert_error(GNUTLS_CERT_INVALID | GNUTLS_CERT_SIGNER_NOT_FOUND, "turn.example");
  CHECK(e.code == "tls_cert");
  CHECK(e.message == "TLS: the server's certificate was rejected (turn.example): certificate issuer is unknown");
  auto h = handshake_error(GNUTLS_E_FATAL_ALERT_RECEIVED, "turn.example", "Handshake failed");
  CHECK(h.code == "tls_handshake");
  CHECK(h.message == "TLS handshake with turn.example failed: the server sent the alert \"Handshake failed\"");
  CHECK(record_error(GNUTLS_E_DECRYPTION_FAILED, "receive").code == "tls_error");
  CHECK(ca_error("x").code == "tls_ca");
}

TEST_CASE("TLS trust: CA files load, and unreadable or certificate-less ones are tls_ca", "[tls]") {
  auto ok = Trust::load(data_path("ca.pem"));
  REQUIRE(ok.ok());
  CHECK((*ok)->count() == 1);
  CHECK((*ok)->source() == data_path("ca.pem"));

  auto missing = Trust::load("/nonexistent/ca.pem");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == "tls_ca");
  CHECK(missing.error().message == "cannot read the CA file /nonexistent/ca.pem: No such file or directory");

  auto key_only = Trust::load(data_path("server.key"));
  REQUIRE_FALSE(key_only.ok());
  CHECK(key_only.error().code == "tls_ca");

  auto junk = Trust::from_pem("not a certificate", "junk.pem");
  REQUIRE_FALSE(junk.ok());
  CHECK(junk.error().code == "tls_ca");
  CHECK(junk.error().message.find("junk.pem") != std::string::npos);
}

TEST_CASE("TLS trust: load_trust reads on the threadpool and answers on the loop", "[tls]") {
  loop::Loop loop;
  std::optional<TrustResult> got;
  auto work = load_trust(loop, data_path("ca.pem"), [&](TrustResult r) { got.emplace(std::move(r)); });
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return got.has_value(); }, 5000, 10));
  REQUIRE(got->ok());
  CHECK((**got)->count() == 1);
  std::optional<TrustResult> bad;
  auto work2 = load_trust(loop, "/nonexistent/x.pem", [&](TrustResult r) { bad.emplace(std::move(r)); });
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return bad.has_value(); }, 5000, 10));
  CHECK(bad->error().code == "tls_ca");
}


TEST_CASE("TLS stream: handshake on loopback TCP, bytes written early wait for it, echo", "[tls]") {
  loop::Loop loop;
  LoopTlsServer server(loop);
  StreamOptions o{{trust_of("ca.pem"), "127.0.0.1"}, 5000};
  TlsStream stream(loop, connect_to(loop, server.endpoint), o);
  std::optional<Status> ready;
  std::vector<std::uint8_t> got;
  stream.start([&](Status st) { ready = st; }, [&](std::span<const std::uint8_t> d) { got.insert(got.end(), d.begin(), d.end()); },
               [](Status) {});
  REQUIRE(stream.write(bytes_of("before the handshake ")).ok());
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return ready.has_value(); }, 5000, 10));
  REQUIRE(ready->ok());
  CHECK(stream.is_open());
  CHECK(stream.local().has_value());
  std::vector<std::uint8_t> big(100 * 1024, 'z');
  REQUIRE(stream.write(big).ok());
  const std::size_t want = 21 + big.size();
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return got.size() >= want; }, 5000, 10));
  CHECK(std::string(got.begin(), got.begin() + 21) == "before the handshake ");
  CHECK(got.size() == want);
  stream.close();
  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return server.tls.got_close_notify || server.ended; }, 5000, 10));
  CHECK(server.tls.got_close_notify);
  CHECK_FALSE(stream.write(bytes_of("x")).ok());
}

TEST_CASE("TLS stream: a wrong CA is tls_cert and a silent server hits the handshake deadline", "[tls]") {
  loop::Loop loop;
  SECTION("wrong CA") {
    LoopTlsServer server(loop);
    TlsStream stream(loop, connect_to(loop, server.endpoint), {{trust_of("other_ca.pem"), "127.0.0.1"}, 5000});
    std::optional<Status> ready;
    stream.start([&](Status st) { ready = st; }, [](auto) {}, [](Status) {});
    REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return ready.has_value(); }, 5000, 10));
    REQUIRE_FALSE(ready->ok());
    CHECK(ready->error().code == "tls_cert");
    CHECK(ready->error().message.find("certificate issuer is unknown") != std::string::npos);
    CHECK_FALSE(stream.is_open());
  }
  SECTION("silence") {
    LoopTlsServer server(loop, true);
    TlsStream stream(loop, connect_to(loop, server.endpoint), {{trust_of("ca.pem"), "127.0.0.1"}, 200});
    std::optional<Status> ready;
    const auto t0 = loop.now_ms();
    stream.start([&](Status st) { ready = st; }, [](auto) {}, [](Status) {});
    REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return ready.has_value(); }, 5000, 10));
    REQUIRE_FALSE(ready->ok());
    CHECK(ready->error().code == "tls_handshake");
    CHECK(ready->error().message == "TLS handshake with 127.0.0.1 did not finish within 200 ms");
    CHECK(loop.now_ms() - t0 >= 190);
  }
  SECTION("the server hangs up") {
    LoopTlsServer server(loop, true);
    TlsStream stream(loop, connect_to(loop, server.endpoint), {{trust_of("ca.pem"), "127.0.0.1"}, 5000});
    std::optional<Status> ready;
    stream.start([&](Status st) { ready = st; }, [](auto) {}, [](Status) {});
    REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return server.conn.is_open(); }, 5000, 10));
    server.conn.close();
    REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return ready.has_value(); }, 5000, 10));
    REQUIRE_FALSE(ready->ok());
    CHECK(ready->error().code == "tls_handshake");
    // An orderly close or a reset (the ClientHello was still unread): either way it says so.
    CHECK(ready->error().message.rfind("TLS handshake with 127.0.0.1 failed: ", 0) == 0);
  }
}
