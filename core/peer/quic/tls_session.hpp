#pragma once
// The TLS 1.3 side of one QUIC connection (GnuTLS + ngtcp2's crypto helper): ALPN
// "p2pd/1", certificates from the Ed25519 identity, and the pin check in GnuTLS's verify
// callback. A client knows the key it expects and rejects any other; a server (or a client
// without an expectation) accepts any Ed25519 key. Either way peer_key() holds the key the
// peer proved, so the daemon can check an access list or learn who connected.
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include <memory>
#include <optional>
#include <string>

#include "core/peer/quic/certificate.hpp"
#include "core/result.hpp"

namespace p2pd::peer::quic {

inline constexpr const char* kAlpn = "p2pd/1";

enum class Role { client, server };

class TlsSession {
 public:
  static Result<std::unique_ptr<TlsSession>> create(Role role, std::shared_ptr<Credentials> credentials,
                                                    std::optional<PublicKey> expected_peer);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Binds the ngtcp2 connection (after ngtcp2_conn_*_new) and hands it the TLS handle.
  void attach(ngtcp2_conn* conn);

  gnutls_session_t raw() const { return session_; }
  const std::optional<PublicKey>& peer_key() const { return peer_key_; }
  // Why the handshake was refused on this side ("" if it was not).
  const std::string& rejection() const { return rejection_; }
  bool alpn_negotiated() const;

 private:
  TlsSession() = default;
  static int verify(gnutls_session_t session);

  gnutls_session_t session_ = nullptr;
  std::shared_ptr<Credentials> credentials_;
  ngtcp2_crypto_conn_ref conn_ref_{};
  ngtcp2_conn* conn_ = nullptr;
  std::optional<PublicKey> expected_;
  std::optional<PublicKey> peer_key_;
  std::string rejection_;
};

}  // namespace p2pd::peer::quic
