#include "core/peer/quic/tls_session.hpp"

#include <ngtcp2/ngtcp2_crypto_gnutls.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <cstring>

namespace p2pd::peer::quic {

namespace {
constexpr const char* kPriority =
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"
    "-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:%DISABLE_TLS13_COMPAT_MODE";

Error tls_error(int rc, const char* what) { return Error{"tls_error", std::string(what) + ": " + gnutls_strerror(rc)}; }
}  // namespace

TlsSession::~TlsSession() {
  if (session_) gnutls_deinit(session_);
}

Result<std::unique_ptr<TlsSession>> TlsSession::create(Role role, std::shared_ptr<Credentials> credentials,
                                                       std::optional<PublicKey> expected_peer) {
  if (!credentials) return Error{"bad_request", "no TLS credentials"};
  std::unique_ptr<TlsSession> tls(new TlsSession);
  tls->credentials_ = std::move(credentials);
  tls->expected_ = expected_peer;
  tls->conn_ref_.user_data = tls.get();
  tls->conn_ref_.get_conn = [](ngtcp2_crypto_conn_ref* ref) {
    return static_cast<TlsSession*>(ref->user_data)->conn_;
  };

  unsigned flags = (role == Role::server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NO_END_OF_EARLY_DATA |
                   GNUTLS_NO_TICKETS;
  int rc = gnutls_init(&tls->session_, flags);
  if (rc < 0) return tls_error(rc, "gnutls_init");
  rc = role == Role::server ? ngtcp2_crypto_gnutls_configure_server_session(tls->session_)
                            : ngtcp2_crypto_gnutls_configure_client_session(tls->session_);
  if (rc != 0) return Error{"tls_error", "ngtcp2 crypto configure failed"};
  if ((rc = gnutls_priority_set_direct(tls->session_, kPriority, nullptr)) < 0) return tls_error(rc, "priority");
  // The verify function lives on the shared credentials; per-session state is reached
  // through the conn_ref that the crypto helper requires as the session pointer.
  gnutls_certificate_set_verify_function(tls->credentials_->raw(), &TlsSession::verify);
  if ((rc = gnutls_credentials_set(tls->session_, GNUTLS_CRD_CERTIFICATE, tls->credentials_->raw())) < 0)
    return tls_error(rc, "credentials");
  if (role == Role::server) gnutls_certificate_server_set_request(tls->session_, GNUTLS_CERT_REQUIRE);
  gnutls_datum_t alpn{reinterpret_cast<unsigned char*>(const_cast<char*>(kAlpn)),
                      static_cast<unsigned>(std::strlen(kAlpn))};
  if ((rc = gnutls_alpn_set_protocols(tls->session_, &alpn, 1, GNUTLS_ALPN_MANDATORY)) < 0)
    return tls_error(rc, "alpn");
  gnutls_session_set_ptr(tls->session_, &tls->conn_ref_);
  return tls;
}

void TlsSession::attach(ngtcp2_conn* conn) {
  conn_ = conn;
  ngtcp2_conn_set_tls_native_handle(conn, session_);
}

bool TlsSession::alpn_negotiated() const {
  gnutls_datum_t selected{};
  if (gnutls_alpn_get_selected_protocol(session_, &selected) != 0) return false;
  return selected.size == std::strlen(kAlpn) && std::memcmp(selected.data, kAlpn, selected.size) == 0;
}

int TlsSession::verify(gnutls_session_t session) {
  auto* ref = static_cast<ngtcp2_crypto_conn_ref*>(gnutls_session_get_ptr(session));
  if (ref == nullptr) return -1;
  auto* self = static_cast<TlsSession*>(ref->user_data);
  auto key = peer_certificate_key(session);
  if (!key) {
    self->rejection_ = key.error().message;
    spdlog::warn("quic: peer certificate refused: {}", self->rejection_);
    return -1;
  }
  if (self->expected_ && sodium_memcmp(self->expected_->data(), key->data(), key->size()) != 0) {
    self->rejection_ = "peer key mismatch: expected " + key_hex(*self->expected_) + ", got " + key_hex(*key);
    spdlog::warn("quic: {}", self->rejection_);
    return -1;
  }
  self->peer_key_ = *key;
  return 0;
}

}  // namespace p2pd::peer::quic
