#pragma once
// PCP (RFC 6887) numbers: version, ports, sizes, opcodes, result codes, option codes,
// and their names for logs and errors.
#include <cstddef>
#include <cstdint>
#include <string>

namespace p2pd::proto::pcp {

inline constexpr std::uint8_t kVersion = 2;
inline constexpr std::uint16_t kServerPort = 5351;  // requests go to the gateway's 5351
inline constexpr std::uint16_t kClientPort = 5350;  // ANNOUNCE multicasts (224.0.0.1 / ff02::1)
inline constexpr std::size_t kHeaderSize = 24;      // request and response headers alike
inline constexpr std::size_t kMapSize = 36;         // MAP opcode-specific data
inline constexpr std::size_t kMaxMessage = 1100;    // §7: never larger, UDP payload
inline constexpr std::size_t kNonceSize = 12;
inline constexpr std::uint8_t kResponseBit = 0x80;  // R bit of the opcode octet

enum class Opcode : std::uint8_t { announce = 0, map = 1, peer = 2 };

// §7.4. Codes 1-13 are errors; 7, 8, 10 and 11 are short-lifetime (retry later), the
// rest long-lifetime (the same request will keep failing).
enum class ResultCode : std::uint8_t {
  success = 0,
  unsupp_version = 1,
  not_authorized = 2,
  malformed_request = 3,
  unsupp_opcode = 4,
  unsupp_option = 5,
  malformed_option = 6,
  network_failure = 7,
  no_resources = 8,
  unsupp_protocol = 9,
  user_ex_quota = 10,
  cannot_provide_external = 11,
  address_mismatch = 12,
  excessive_remote_peers = 13,
};

enum class OptionCode : std::uint8_t { third_party = 1, prefer_failure = 2, filter = 3 };

// IANA protocol numbers used in MAP (0 = all protocols, with port 0).
inline constexpr std::uint8_t kProtocolAll = 0;
inline constexpr std::uint8_t kProtocolTcp = 6;
inline constexpr std::uint8_t kProtocolUdp = 17;

// "NOT_AUTHORIZED" etc.; an unknown code as "result 42".
std::string result_name(std::uint8_t code);
// True for the short-term errors of §7.4, worth retrying after a while.
bool is_short_term_error(std::uint8_t code);

}  // namespace p2pd::proto::pcp
