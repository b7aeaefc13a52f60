#pragma once
// TLS credentials made from the peer's Ed25519 identity (libsodium keys): a self-signed
// X.509 certificate whose key IS the identity, so the TLS 1.3 CertificateVerify proves the
// peer holds it. Trust comes from pinning the key (see tls_session.hpp), never from a CA.
#include <gnutls/gnutls.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace p2pd::peer::quic {

using PublicKey = std::array<std::uint8_t, 32>;  // Ed25519, as libsodium's crypto_sign pk

struct KeyPair {
  PublicKey public_key{};
  std::array<std::uint8_t, 64> secret_key{};  // libsodium layout: seed (32) || public key (32)
};

std::string key_hex(const PublicKey& key);

// Shared by every session of one identity.
class Credentials {
 public:
  static Result<std::shared_ptr<Credentials>> create(const KeyPair& identity);
  ~Credentials();
  Credentials(const Credentials&) = delete;
  Credentials& operator=(const Credentials&) = delete;

  gnutls_certificate_credentials_t raw() const { return cred_; }
  const PublicKey& public_key() const { return public_key_; }

 private:
  Credentials() = default;
  gnutls_certificate_credentials_t cred_ = nullptr;
  PublicKey public_key_{};
};

// The Ed25519 key of the peer's certificate in a handshake in progress.
Result<PublicKey> peer_certificate_key(gnutls_session_t session);

}  // namespace p2pd::peer::quic
