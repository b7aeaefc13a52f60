#pragma once
// A STUN message as an ordered list of raw attributes, with parse and serialize.
// Typed access to attributes lives in stun_address.hpp and stun_attributes.hpp;
// MESSAGE-INTEGRITY checking in stun_integrity.hpp.
//
//   auto m = stun::parse(datagram);                 // header, layout, FINGERPRINT checked
//   if (m && stun::verify_integrity(datagram, key)) ...
//   auto bytes = stun::serialize(reply, {.integrity_key = key, .fingerprint = true});
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/proto/stun_constants.hpp"
#include "core/result.hpp"

namespace p2pd::proto::stun {

using TransactionId = std::array<std::uint8_t, kTransactionIdSize>;

struct Attribute {
  std::uint16_t type = 0;
  std::vector<std::uint8_t> value;  // without padding
  friend bool operator==(const Attribute&, const Attribute&) = default;
};

struct Message {
  MessageClass message_class = MessageClass::request;
  Method method = method::binding;  // 12 bits
  // kMagicCookie for RFC 5389/8489. Anything else is a classic RFC 3489 message, whose
  // 128-bit transaction id is these four bytes followed by `transaction_id`.
  std::uint32_t cookie = kMagicCookie;
  TransactionId transaction_id{};
  // In wire order. parse() keeps MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and
  // FINGERPRINT here (so callers can see what was present); serialize() skips those
  // three and writes what its options ask for instead.
  std::vector<Attribute> attributes;

  bool is_classic() const { return cookie != kMagicCookie; }
  // The first attribute of that type (RFC 8489 §14: later duplicates may be ignored).
  const Attribute* find(std::uint16_t type) const;
  bool has(std::uint16_t type) const { return find(type) != nullptr; }
  void add(std::uint16_t type, std::vector<std::uint8_t> value);
  void add(std::uint16_t type, std::span<const std::uint8_t> value);

  friend bool operator==(const Message&, const Message&) = default;
};

// The 16-bit message type: method bits interleaved with the two class bits.
std::uint16_t message_type(Method method, MessageClass message_class);
Method method_of(std::uint16_t message_type);
MessageClass class_of(std::uint16_t message_type);

// Parses one whole message (a UDP datagram, or one frame cut from a stream with
// stun_frame_size()). Checks: 20-byte header with the top two bits zero; length a
// multiple of 4 and equal to what follows the header; every attribute and its padding
// inside the message (padding bytes themselves are ignored); MESSAGE-INTEGRITY 20 bytes
// and MESSAGE-INTEGRITY-SHA256 16-32 bytes in steps of 4; after MESSAGE-INTEGRITY only
// MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, after MESSAGE-INTEGRITY-SHA256 only
// FINGERPRINT; FINGERPRINT 4 bytes, last, and matching. Integrity is not checked here (it
// needs a key): see verify_integrity(). A message without the magic cookie parses as
// classic RFC 3489. Errors have code "malformed".
Result<Message> parse(std::span<const std::uint8_t> packet);

struct SerializeOptions {
  // Appends MESSAGE-INTEGRITY (HMAC-SHA1) with this key: the password for short-term
  // credentials, long_term_key() for long-term ones.
  std::optional<std::vector<std::uint8_t>> integrity_key;
  // Appends MESSAGE-INTEGRITY-SHA256 (32 bytes) with this key, after MESSAGE-INTEGRITY
  // when both are asked for.
  std::optional<std::vector<std::uint8_t>> integrity_sha256_key;
  bool fingerprint = false;  // appends FINGERPRINT last
};

// Writes the header, the attributes in order with zero padding (except the three
// trailer attributes, see Message::attributes), then what `options` asks for, each
// computed with the length field as RFC 8489 §14.5-14.7 prescribe. Returns an empty
// vector if the message cannot be expressed: an attribute value over 65535 bytes or
// more than 65535 bytes after the header.
std::vector<std::uint8_t> serialize(const Message& message, const SerializeOptions& options = {});

}  // namespace p2pd::proto::stun
