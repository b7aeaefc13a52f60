#pragma once
// The peer identity: one Ed25519 key pair, kept in <state>/identity.key. The peer id is
// a short printable form of the public key for people and logs (the first 16 lowercase
// base32 characters of its BLAKE2b-256 hash, 80 bits); whatever authenticates a peer
// (addresses, signaling, sessions, access lists) uses the whole public key. The secret
// half is never printed and is wiped when the value dies.
#include <array>
#include <cstdint>
#include <string>

#include "core/result.hpp"
#include "core/signal/key_pair.hpp"

namespace p2pd::peer {

using PublicKey = signaling::PublicKey;  // 32 bytes
using SecretKey = signaling::SecretKey;  // 64 bytes (seed + public), libsodium layout
using Seed = std::array<std::uint8_t, crypto_sign_SEEDBYTES>;  // 32 bytes

class Identity {
 public:
  static Identity generate();                 // libsodium must be initialised
  static Identity from_seed(const Seed& seed);

  const PublicKey& public_key() const { return keys_.public_key; }
  const SecretKey& secret_key() const { return keys_.secret_key; }
  Seed seed() const;                          // the first half of secret_key()
  const signaling::KeyPair& key_pair() const { return keys_; }
  const std::string& peer_id() const { return peer_id_; }

 private:
  explicit Identity(signaling::KeyPair keys);
  signaling::KeyPair keys_;
  std::string peer_id_;
};

// The peer id of any public key (what Identity::peer_id() returns for its own).
std::string peer_id_of(const PublicKey& key);
// The whole public key as text: 52 lowercase base32 characters, as in peer addresses.
std::string public_key_text(const PublicKey& key);

// <state_dir>/identity.key: loaded when present; created when absent (mode 0600, written to
// a temporary file, synced, then hard-linked into place, so it never replaces a file that
// appeared meanwhile). A file that cannot be read or does not parse is an error naming the
// path and the problem, and the file is left as it is.
Result<Identity> load_or_create_identity(const std::string& state_dir);

}  // namespace p2pd::peer
