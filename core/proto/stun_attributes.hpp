#pragma once
// Typed values of the non-address STUN attributes: text (USERNAME, REALM, NONCE,
// SOFTWARE), ERROR-CODE, UNKNOWN-ATTRIBUTES, CHANGE-REQUEST, RESPONSE-PORT and plain
// integers (PRIORITY, ICE-CONTROLLING; TURN's LIFETIME, CHANNEL-NUMBER-style values).
// encode_*/decode_* work on attribute values; add_*/get_* on a message, where get_*
// reads the first attribute of the type and fails with code "not_found" when there is
// none and "malformed" when its value is bad.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/proto/stun_message.hpp"
#include "core/result.hpp"

namespace p2pd::proto::stun {

// --- text --------------------------------------------------------------------------
// Value size limits from RFC 8489: USERNAME < 513 bytes; REALM, NONCE, SOFTWARE and the
// ERROR-CODE reason at most 763 bytes (128 characters). The bytes are not checked to be
// UTF-8.
inline constexpr std::size_t kMaxUsernameSize = 512;
inline constexpr std::size_t kMaxTextSize = 763;

void add_text(Message& message, std::uint16_t type, std::string_view text);
Result<std::string> get_text(const Message& message, std::uint16_t type, std::size_t max_size = kMaxTextSize);
Result<std::string> get_username(const Message& message);
Result<std::string> get_realm(const Message& message);
Result<std::string> get_nonce(const Message& message);
Result<std::string> get_software(const Message& message);

// --- integers ------------------------------------------------------------------------
// Exactly 4 (or 8) bytes, network order.
void add_u32(Message& message, std::uint16_t type, std::uint32_t value);
Result<std::uint32_t> get_u32(const Message& message, std::uint16_t type);
void add_u64(Message& message, std::uint16_t type, std::uint64_t value);
Result<std::uint64_t> get_u64(const Message& message, std::uint16_t type);

// --- ERROR-CODE ------------------------------------------------------------------------
struct ErrorCode {
  std::uint16_t code = 0;  // 300-699 (see stun::error)
  std::string reason;
  friend bool operator==(const ErrorCode&, const ErrorCode&) = default;
};
// encode_error_code() writes code % 1000 as class and number; callers keep 300-699.
std::vector<std::uint8_t> encode_error_code(const ErrorCode& error);
Result<ErrorCode> decode_error_code(std::span<const std::uint8_t> value);
void add_error_code(Message& message, const ErrorCode& error);
Result<ErrorCode> get_error_code(const Message& message);

// --- UNKNOWN-ATTRIBUTES ----------------------------------------------------------------
std::vector<std::uint8_t> encode_unknown_attributes(std::span<const std::uint16_t> types);
Result<std::vector<std::uint16_t>> decode_unknown_attributes(std::span<const std::uint8_t> value);
void add_unknown_attributes(Message& message, std::span<const std::uint16_t> types);
Result<std::vector<std::uint16_t>> get_unknown_attributes(const Message& message);

// The comprehension-required attribute types (< 0x8000) in `message` that are not in
// `understood`, each once, in message order: what a 420 response lists. The integrity
// and fingerprint attributes count as understood.
std::vector<std::uint16_t> unknown_required_attributes(const Message& message,
                                                       std::span<const std::uint16_t> understood);

// --- CHANGE-REQUEST (RFC 5780 §7.2, RFC 3489) ------------------------------------------
struct ChangeRequest {
  bool change_ip = false;
  bool change_port = false;
  friend bool operator==(const ChangeRequest&, const ChangeRequest&) = default;
};
std::vector<std::uint8_t> encode_change_request(const ChangeRequest& request);
Result<ChangeRequest> decode_change_request(std::span<const std::uint8_t> value);
void add_change_request(Message& message, const ChangeRequest& request);
Result<ChangeRequest> get_change_request(const Message& message);

// --- RESPONSE-PORT (RFC 5780 §7.5): a port and two bytes of padding ---------------------
std::vector<std::uint8_t> encode_response_port(std::uint16_t port);
Result<std::uint16_t> decode_response_port(std::span<const std::uint8_t> value);
void add_response_port(Message& message, std::uint16_t port);
Result<std::uint16_t> get_response_port(const Message& message);

}  // namespace p2pd::proto::stun
