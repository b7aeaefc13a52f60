#pragma once
// An Ed25519 key pair as signaling uses it (the peer identity's keys). The secret half
// is wiped when the value dies and is never printed.
#include <sodium.h>

#include <array>
#include <cstdint>

namespace p2pd::signaling {

using PublicKey = std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES>;  // 32
using SecretKey = std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES>;  // 64 (seed + public)

struct KeyPair {
  PublicKey public_key{};
  SecretKey secret_key{};

  KeyPair() = default;
  KeyPair(const KeyPair&) = default;
  KeyPair& operator=(const KeyPair&) = default;
  ~KeyPair() { sodium_memzero(secret_key.data(), secret_key.size()); }

  // A fresh random pair (libsodium must be initialised).
  static KeyPair generate() {
    KeyPair k;
    crypto_sign_keypair(k.public_key.data(), k.secret_key.data());
    return k;
  }
  // The pair a 32-byte seed determines.
  static KeyPair from_seed(const std::array<std::uint8_t, crypto_sign_SEEDBYTES>& seed) {
    KeyPair k;
    crypto_sign_seed_keypair(k.public_key.data(), k.secret_key.data(), seed.data());
    return k;
  }
};

}  // namespace p2pd::signaling
