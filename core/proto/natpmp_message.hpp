#pragma once
// NAT-PMP (RFC 6886) messages: the external address request and the UDP/TCP mapping
// requests, and their responses. A small codec of our own rather than libnatpmp, whose
// calls own a socket and poll it: p2pd's client speaks from the loop's UDP handle.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace p2pd::proto::natpmp {

inline constexpr std::uint8_t kVersion = 0;
inline constexpr std::uint16_t kServerPort = 5351;
inline constexpr std::uint16_t kClientPort = 5350;    // address-change announcements
inline constexpr std::uint8_t kResponseOffset = 128;  // response opcode = request + 128
inline constexpr std::size_t kAddressRequestSize = 2;
inline constexpr std::size_t kMapRequestSize = 12;
inline constexpr std::size_t kErrorResponseSize = 8;   // version, opcode, result, epoch
inline constexpr std::size_t kAddressResponseSize = 12;
inline constexpr std::size_t kMapResponseSize = 16;

enum class Opcode : std::uint8_t { external_address = 0, map_udp = 1, map_tcp = 2 };

// §3.5.
enum class ResultCode : std::uint16_t {
  success = 0,
  unsupported_version = 1,
  not_authorized = 2,  // refused (e.g. the box has mapping turned off)
  network_failure = 3, // e.g. no DHCP address on the WAN yet
  out_of_resources = 4,
  unsupported_opcode = 5,
};

struct Request {
  Opcode opcode = Opcode::external_address;
  // MAP only. lifetime 0 deletes; lifetime 0 with internal_port 0 deletes all of the
  // client's mappings of that protocol. external_port is a suggestion (0: any).
  std::uint16_t internal_port = 0;
  std::uint16_t external_port = 0;
  std::uint32_t lifetime = 0;
  bool operator==(const Request&) const = default;
};

struct Response {
  Opcode opcode = Opcode::external_address;  // of the request answered
  std::uint16_t result = 0;                  // ResultCode, raw
  std::uint32_t epoch = 0;                   // seconds since the gateway's mappings were reset
  std::array<std::uint8_t, 4> external_address{};  // external_address only
  std::uint16_t internal_port = 0;                 // MAP only
  std::uint16_t external_port = 0;                 // MAP only: the port granted
  std::uint32_t lifetime = 0;                      // MAP only: seconds granted
  bool operator==(const Response&) const = default;
};

// Errors: "unsupported_version" (first byte not 0: a PCP server answering in PCP),
// "malformed" (too short, wrong direction, unknown opcode, request of the wrong size).
// An error response (result != 0) may stop after the epoch; the fields it lacks are 0.
// Bytes after a response's fields are ignored, as RFC 6886 clients must.
Result<Request> parse_request(std::span<const std::uint8_t> message);
Result<Response> parse_response(std::span<const std::uint8_t> message);

std::vector<std::uint8_t> serialize_request(const Request& request);
// A success response in full; an error response with the fields of its opcode too
// (what miniupnpd sends).
std::vector<std::uint8_t> serialize_response(const Response& response);

// "NOT_AUTHORIZED" etc.; unknown as "result 42".
std::string result_name(std::uint16_t code);

}  // namespace p2pd::proto::natpmp
