#pragma once
// TURN wire constants (RFC 8656, RFC 5766, RFC 6062 TCP allocations, RFC 6156 IPv6):
// methods, attribute types, error codes, channel numbers and default lifetimes. They sit
// beside the STUN ones in stun_constants.hpp and use the same message format.
#include <cstdint>

#include "core/proto/stun_constants.hpp"

namespace p2pd::proto::turn {

using stun::Method;

namespace method {
inline constexpr Method allocate = 0x003;
inline constexpr Method refresh = 0x004;
inline constexpr Method send = 0x006;                // indication only
inline constexpr Method data = 0x007;                // indication only
inline constexpr Method create_permission = 0x008;
inline constexpr Method channel_bind = 0x009;
inline constexpr Method connect = 0x00A;             // RFC 6062
inline constexpr Method connection_bind = 0x00B;     // RFC 6062
inline constexpr Method connection_attempt = 0x00C;  // RFC 6062, indication only
}  // namespace method

namespace attr {
inline constexpr std::uint16_t channel_number = 0x000C;
inline constexpr std::uint16_t lifetime = 0x000D;
inline constexpr std::uint16_t xor_peer_address = 0x0012;
inline constexpr std::uint16_t data = 0x0013;
inline constexpr std::uint16_t xor_relayed_address = 0x0016;
inline constexpr std::uint16_t requested_address_family = 0x0017;  // RFC 6156 / RFC 8656
inline constexpr std::uint16_t even_port = 0x0018;
inline constexpr std::uint16_t requested_transport = 0x0019;
inline constexpr std::uint16_t dont_fragment = 0x001A;
inline constexpr std::uint16_t reservation_token = 0x0022;
inline constexpr std::uint16_t connection_id = 0x002A;             // RFC 6062
inline constexpr std::uint16_t additional_address_family = 0x8000;  // RFC 8656
inline constexpr std::uint16_t address_error_code = 0x8001;         // RFC 8656
inline constexpr std::uint16_t icmp = 0x8004;                       // RFC 8656
}  // namespace attr

// ERROR-CODE values TURN adds to STUN's (stun::error).
namespace error {
inline constexpr std::uint16_t forbidden = 403;
inline constexpr std::uint16_t allocation_mismatch = 437;
inline constexpr std::uint16_t address_family_not_supported = 440;
inline constexpr std::uint16_t wrong_credentials = 441;
inline constexpr std::uint16_t unsupported_transport = 442;
inline constexpr std::uint16_t peer_address_family_mismatch = 443;
inline constexpr std::uint16_t connection_already_exists = 446;      // RFC 6062
inline constexpr std::uint16_t connection_timeout_or_failure = 447;  // RFC 6062
inline constexpr std::uint16_t allocation_quota_reached = 486;
inline constexpr std::uint16_t insufficient_capacity = 508;
}  // namespace error

// REQUESTED-TRANSPORT protocol numbers (IANA).
inline constexpr std::uint8_t kProtocolUdp = 17;
inline constexpr std::uint8_t kProtocolTcp = 6;

// Channel numbers a client may bind (RFC 8656 §12). ChannelData messages start with
// 0x40-0x7F, so 0x5000-0x7FFF frame as ChannelData too but are never bound.
inline constexpr std::uint16_t kMinChannel = 0x4000;
inline constexpr std::uint16_t kMaxChannel = 0x4FFF;
constexpr bool is_valid_channel(std::uint16_t n) { return n >= kMinChannel && n <= kMaxChannel; }

// Lifetimes in seconds (RFC 8656 §3.2, §9, §12).
inline constexpr std::uint32_t kDefaultAllocationLifetime = 600;
inline constexpr std::uint32_t kPermissionLifetime = 300;
inline constexpr std::uint32_t kChannelLifetime = 600;

}  // namespace p2pd::proto::turn
