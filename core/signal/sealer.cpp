#include "core/signal/sealer.hpp"

#include <sodium.h>

#include <algorithm>

namespace p2pd::signaling {

namespace {

// Secret X25519 key material, wiped on scope exit.
struct Curve25519Secret {
  std::array<std::uint8_t, crypto_box_SECRETKEYBYTES> key{};
  ~Curve25519Secret() { sodium_memzero(key.data(), key.size()); }
};

}  // namespace

proto::signaling::Signature sign_bytes(std::span<const std::uint8_t> bytes, const KeyPair& signer) {
  proto::signaling::Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, bytes.data(), bytes.size(), signer.secret_key.data());
  return sig;
}

bool verify_bytes(std::span<const std::uint8_t> bytes, const proto::signaling::Signature& signature,
                  const PublicKey& signer) {
  return crypto_sign_verify_detached(signature.data(), bytes.data(), bytes.size(), signer.data()) == 0;
}

Result<std::vector<std::uint8_t>> seal(Message message, const KeyPair& sender) {
  message.sender = sender.public_key;
  message.signature = sign_bytes(proto::signaling::signed_bytes(message), sender);
  std::vector<std::uint8_t> plain = proto::signaling::serialize(message);
  if (plain.empty()) return Error{"bad_request", "signal message type or payload out of bounds"};

  std::array<std::uint8_t, crypto_box_PUBLICKEYBYTES> to{};
  if (crypto_sign_ed25519_pk_to_curve25519(to.data(), message.recipient.data()) != 0)
    return Error{"bad_key", "the recipient key is not a valid Ed25519 public key"};
  std::vector<std::uint8_t> sealed(plain.size() + crypto_box_SEALBYTES);
  if (crypto_box_seal(sealed.data(), plain.data(), plain.size(), to.data()) != 0)
    return Error{"internal", "crypto_box_seal failed"};
  sodium_memzero(plain.data(), plain.size());
  return proto::signaling::wrap(sealed);
}

Result<Message> open(std::span<const std::uint8_t> envelope, const KeyPair& recipient) {
  auto sealed = proto::signaling::unwrap(envelope);
  if (!sealed) return sealed.error();
  if (sealed->size() < crypto_box_SEALBYTES + proto::signaling::kFixedSize ||
      sealed->size() > crypto_box_SEALBYTES + proto::signaling::kMaxPlaintext)
    return Error{"malformed", "sealed signal message has an impossible size"};

  std::array<std::uint8_t, crypto_box_PUBLICKEYBYTES> own_pk{};
  Curve25519Secret own_sk;
  if (crypto_sign_ed25519_pk_to_curve25519(own_pk.data(), recipient.public_key.data()) != 0 ||
      crypto_sign_ed25519_sk_to_curve25519(own_sk.key.data(), recipient.secret_key.data()) != 0)
    return Error{"internal", "own key cannot be converted to X25519"};

  std::vector<std::uint8_t> plain(sealed->size() - crypto_box_SEALBYTES);
  if (crypto_box_seal_open(plain.data(), sealed->data(), sealed->size(), own_pk.data(), own_sk.key.data()) != 0)
    return Error{"undecryptable", "signal message not sealed to this daemon, or changed on the way"};
  auto message = proto::signaling::parse(plain);
  sodium_memzero(plain.data(), plain.size());
  if (!message) return message.error();
  if (message->recipient != recipient.public_key)
    return Error{"wrong_recipient", "signal message names another recipient"};
  if (!verify_bytes(proto::signaling::signed_bytes(*message), message->signature, message->sender))
    return Error{"bad_signature", "signal message is not signed by the key it claims"};
  return message;
}

}  // namespace p2pd::signaling
