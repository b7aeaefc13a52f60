#pragma once
// Sealing signaling messages: sign with the sender's Ed25519 key, then seal to the
// recipient (libsodium crypto_box_seal to the recipient's X25519 key, converted from its
// Ed25519 key), and the reverse. docs/API.md, "Signaling", has the wire format.
//
// open() proves: the envelope was sealed to us, it is intact, it names us as recipient,
// and the key it claims as sender signed it. Freshness and replay are ReplayGuard's job.
#include <cstdint>
#include <span>
#include <vector>

#include "core/proto/signal_message.hpp"
#include "core/result.hpp"
#include "core/signal/key_pair.hpp"

namespace p2pd::signaling {

using proto::signaling::Message;

// Fills message.sender and message.signature from `sender`, then seals to
// message.recipient. Errors: "bad_request" (type/payload out of bounds), "bad_key" (the
// recipient key is not a valid Ed25519 point).
Result<std::vector<std::uint8_t>> seal(Message message, const KeyPair& sender);

// Error codes, also the metric reasons of dropped messages: "malformed" (not an
// envelope, or a plaintext that does not parse), "undecryptable" (not sealed to us, or
// changed on the way), "wrong_recipient" (sealed to us but naming someone else),
// "bad_signature" (not signed by the key it claims).
Result<Message> open(std::span<const std::uint8_t> envelope, const KeyPair& recipient);

// Ed25519 signatures over arbitrary bytes (address records).
proto::signaling::Signature sign_bytes(std::span<const std::uint8_t> bytes, const KeyPair& signer);
bool verify_bytes(std::span<const std::uint8_t> bytes, const proto::signaling::Signature& signature,
                  const PublicKey& signer);

}  // namespace p2pd::signaling
