#pragma once
// PCP messages (RFC 6887 §7, §11): the common request and response headers, the MAP
// opcode's data, and options. ANNOUNCE carries no opcode data. PEER is not spoken (p2pd
// only maps ports): parse rejects it and serialize refuses it.
//
// Requests are what a client sends (and a test server reads); responses the other way.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/proto/pcp_constants.hpp"
#include "core/proto/pcp_options.hpp"
#include "core/result.hpp"

namespace p2pd::proto::pcp {

using Nonce = std::array<std::uint8_t, kNonceSize>;

// MAP (§11.1): "let traffic to external_address:external_port reach internal_port".
// In a request the external fields are suggestions (zero: any).
struct MapData {
  Nonce nonce{};
  std::uint8_t protocol = kProtocolUdp;
  std::uint16_t internal_port = 0;
  std::uint16_t external_port = 0;
  Ip external_address{};
  bool operator==(const MapData&) const = default;
};

struct Request {
  Opcode opcode = Opcode::map;
  std::uint32_t lifetime = 0;  // seconds; 0 with MAP deletes the mapping
  Ip client_address{};         // the source address the client sends from
  std::optional<MapData> map;  // present exactly when opcode is MAP
  std::vector<Option> options;
  bool operator==(const Request&) const = default;
};

struct Response {
  Opcode opcode = Opcode::map;
  std::uint8_t result = 0;     // ResultCode, raw: unknown codes are errors too
  std::uint32_t lifetime = 0;  // granted (success) or how long the error holds
  std::uint32_t epoch = 0;     // server's epoch time: a jump back means state was lost
  std::optional<MapData> map;  // present exactly when opcode is MAP
  std::vector<Option> options;
  bool operator==(const Response&) const = default;
};

// Errors: "unsupported_version" (first byte is not 2; a NAT-PMP server answers a PCP
// request with version 0), "malformed" (size under 24, over 1100 or not a multiple of 4,
// wrong R bit, MAP data missing, bad options), "unsupported" (opcode other than
// ANNOUNCE or MAP).
Result<Request> parse_request(std::span<const std::uint8_t> message);
Result<Response> parse_response(std::span<const std::uint8_t> message);

// Wire bytes. Empty when the message cannot be sent: an opcode other than ANNOUNCE or
// MAP, MAP without map data (or map data on ANNOUNCE), an option over 65535 bytes, or more than 1100 bytes in all.
std::vector<std::uint8_t> serialize_request(const Request& request);
std::vector<std::uint8_t> serialize_response(const Response& response);

}  // namespace p2pd::proto::pcp
