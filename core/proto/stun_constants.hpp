#pragma once
// STUN wire constants (RFC 8489, RFC 5389, RFC 5780, classic RFC 3489): header layout,
// message classes, methods and attribute types. TURN (RFC 8656) adds its methods and
// attributes beside these in its own header; nothing here needs to change for it.
#include <cstddef>
#include <cstdint>

namespace p2pd::proto::stun {

inline constexpr std::uint32_t kMagicCookie = 0x2112A442;
inline constexpr std::size_t kHeaderSize = 20;          // type, length, cookie, transaction id
inline constexpr std::size_t kTransactionIdSize = 12;
inline constexpr std::uint32_t kFingerprintXor = 0x5354554E;  // "STUN"

// The two class bits of the message type.
enum class MessageClass : std::uint8_t {
  request = 0,
  indication = 1,
  success_response = 2,
  error_response = 3,
};

// A 12-bit method number.
using Method = std::uint16_t;

namespace method {
inline constexpr Method binding = 0x001;
inline constexpr Method shared_secret = 0x002;  // RFC 3489 only; reserved since RFC 5389
}  // namespace method

// Attribute types. 0x0000-0x7FFF are comprehension-required, 0x8000-0xFFFF optional.
namespace attr {
inline constexpr std::uint16_t mapped_address = 0x0001;
inline constexpr std::uint16_t response_address = 0x0002;   // RFC 3489 only
inline constexpr std::uint16_t change_request = 0x0003;     // RFC 5780 (and RFC 3489)
inline constexpr std::uint16_t source_address = 0x0004;     // RFC 3489 only
inline constexpr std::uint16_t changed_address = 0x0005;    // RFC 3489 only
inline constexpr std::uint16_t username = 0x0006;
inline constexpr std::uint16_t password = 0x0007;           // RFC 3489 only
inline constexpr std::uint16_t message_integrity = 0x0008;
inline constexpr std::uint16_t error_code = 0x0009;
inline constexpr std::uint16_t unknown_attributes = 0x000A;
inline constexpr std::uint16_t reflected_from = 0x000B;     // RFC 3489 only
inline constexpr std::uint16_t realm = 0x0014;
inline constexpr std::uint16_t nonce = 0x0015;
inline constexpr std::uint16_t message_integrity_sha256 = 0x001C;
inline constexpr std::uint16_t password_algorithm = 0x001D;
inline constexpr std::uint16_t userhash = 0x001E;
inline constexpr std::uint16_t xor_mapped_address = 0x0020;
inline constexpr std::uint16_t priority = 0x0024;           // ICE (RFC 8445)
inline constexpr std::uint16_t use_candidate = 0x0025;      // ICE
inline constexpr std::uint16_t padding = 0x0026;            // RFC 5780
inline constexpr std::uint16_t response_port = 0x0027;      // RFC 5780
inline constexpr std::uint16_t password_algorithms = 0x8002;
inline constexpr std::uint16_t alternate_domain = 0x8003;
inline constexpr std::uint16_t software = 0x8022;
inline constexpr std::uint16_t alternate_server = 0x8023;
inline constexpr std::uint16_t fingerprint = 0x8028;
inline constexpr std::uint16_t ice_controlled = 0x8029;     // ICE
inline constexpr std::uint16_t ice_controlling = 0x802A;    // ICE
inline constexpr std::uint16_t response_origin = 0x802B;    // RFC 5780
inline constexpr std::uint16_t other_address = 0x802C;      // RFC 5780
}  // namespace attr

constexpr bool is_comprehension_required(std::uint16_t type) { return type < 0x8000; }

// ERROR-CODE values used by STUN itself (TURN adds 403, 437, 440-443, 486, 508).
namespace error {
inline constexpr std::uint16_t try_alternate = 300;
inline constexpr std::uint16_t bad_request = 400;
inline constexpr std::uint16_t unauthenticated = 401;
inline constexpr std::uint16_t unknown_attribute = 420;
inline constexpr std::uint16_t stale_nonce = 438;
inline constexpr std::uint16_t server_error = 500;
}  // namespace error

}  // namespace p2pd::proto::stun
