#pragma once
// Signaling messages between daemons (docs/API.md, "Signaling"): the plaintext that is
// signed by the sender and then sealed to the recipient, and the envelope that carries
// the sealed bytes over MQTT. Pure codec: signing and sealing live in core/signal.
//
//   envelope  = "P2S" 0x01 | sealed box (crypto_box_seal of the plaintext)
//   plaintext = sender key[32] | recipient key[32] | timestamp_ms u64 | nonce[16] |
//               kind u8 | id u64 | type_len u8 | type | payload_len u32 | payload |
//               signature[64]
// All integers big-endian. The signature (Ed25519, by the sender key) covers
// kSignatureContext followed by every plaintext byte before it.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace p2pd::proto::signaling {

using Key = std::array<std::uint8_t, 32>;
using Nonce = std::array<std::uint8_t, 16>;
using Signature = std::array<std::uint8_t, 64>;

inline constexpr std::array<std::uint8_t, 4> kEnvelopeMagic = {'P', '2', 'S', 0x01};
inline constexpr std::string_view kSignatureContext{"p2pd-signal-v1\0", 15};
inline constexpr std::size_t kMaxTypeSize = 32;
inline constexpr std::size_t kMaxPayload = 16 * 1024;
// Fixed plaintext bytes around type and payload.
inline constexpr std::size_t kFixedSize = 32 + 32 + 8 + 16 + 1 + 8 + 1 + 4 + 64;
inline constexpr std::size_t kMaxPlaintext = kFixedSize + kMaxTypeSize + kMaxPayload;

enum class Kind : std::uint8_t { request = 1, response = 2, notice = 3 };

struct Message {
  Key sender{};
  Key recipient{};
  std::uint64_t timestamp_ms = 0;  // sender's wall clock, ms since the Unix epoch
  Nonce nonce{};                   // random per message: replay and duplicate detection
  Kind kind = Kind::notice;
  std::uint64_t id = 0;            // a request's id; its responses carry the same id
  std::string type;                // [a-z0-9_.-]{1,32}: "ping", "pong", "connect"...
  std::vector<std::uint8_t> payload;  // at most kMaxPayload bytes
  Signature signature{};
  friend bool operator==(const Message&, const Message&) = default;
};

// True for a valid message type name.
bool valid_type(std::string_view type);

// The bytes the signature covers: kSignatureContext then the plaintext up to (not
// including) the signature.
std::vector<std::uint8_t> signed_bytes(const Message& message);

// Plaintext with the signature appended. Empty if the type or payload is out of bounds.
std::vector<std::uint8_t> serialize(const Message& message);

// Strict: every length inside the buffer, nothing after the signature, a known kind, a
// valid type. Errors have code "malformed".
Result<Message> parse(std::span<const std::uint8_t> plaintext);

// Envelope framing around the sealed bytes.
std::vector<std::uint8_t> wrap(std::span<const std::uint8_t> sealed);
// The sealed bytes of an envelope ("malformed" when the magic or version is wrong).
Result<std::span<const std::uint8_t>> unwrap(std::span<const std::uint8_t> envelope);

std::string_view kind_name(Kind kind);  // "request", "response", "notice"

}  // namespace p2pd::proto::signaling
