#pragma once
// TURN requests and indications as stun::Message values, long-term credentials on them,
// and the typed readings of what a server sends back. Pure: the caller picks
// transaction ids (random, 96 bits) and does the I/O.
//
//   auto m = turn::make_allocate(id, {.protocol = turn::kProtocolUdp, .lifetime = 600});
//   auto bytes = turn::serialize_request(m, &credentials);   // USERNAME/REALM/NONCE + MI
//   ...
//   auto ok = turn::read_allocate_success(stun::parse(answer).value());
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/proto/stun_address.hpp"
#include "core/proto/stun_attributes.hpp"
#include "core/proto/stun_message.hpp"
#include "core/proto/turn_attributes.hpp"
#include "core/proto/turn_constants.hpp"
#include "core/result.hpp"

namespace p2pd::proto::turn {

using stun::TransactionId;

// Long-term credentials (RFC 8489 §9.2) as a client holds them after the first 401:
// the realm and nonce the server gave and the key MD5(username:realm:password). The
// password itself need not be kept once the key is made.
struct LongTermCredentials {
  std::string username;
  std::string realm;
  std::string nonce;
  std::vector<std::uint8_t> key;
};

// Adds USERNAME, NONCE and REALM (when `credentials` is given), then serializes with
// MESSAGE-INTEGRITY over the key. FINGERPRINT is optional in TURN and not added.
// Empty when the message cannot be expressed (see stun::serialize).
std::vector<std::uint8_t> serialize_request(stun::Message message, const LongTermCredentials* credentials);

// --- requests a client sends -----------------------------------------------------------
struct AllocateParams {
  std::uint8_t protocol = kProtocolUdp;       // REQUESTED-TRANSPORT: UDP, or TCP (RFC 6062)
  std::optional<AddressFamily> family;        // REQUESTED-ADDRESS-FAMILY (RFC 6156); none = IPv4
  std::optional<AddressFamily> additional;    // ADDITIONAL-ADDRESS-FAMILY (v6 beside v4)
  std::optional<std::uint32_t> lifetime;      // LIFETIME, seconds
  std::optional<bool> even_port;              // EVEN-PORT (R bit)
  std::optional<std::uint64_t> reservation_token;
  bool dont_fragment = false;
};
stun::Message make_allocate(const TransactionId& id, const AllocateParams& params);
// LIFETIME 0 deletes the allocation. `family` is for dual allocations (RFC 8656 §7.2).
stun::Message make_refresh(const TransactionId& id, std::uint32_t lifetime,
                           std::optional<AddressFamily> family = std::nullopt);
// One XOR-PEER-ADDRESS per peer (ports are ignored by the server). Peers must not be empty.
stun::Message make_create_permission(const TransactionId& id, std::span<const Address> peers);
stun::Message make_channel_bind(const TransactionId& id, std::uint16_t channel, const Address& peer);
stun::Message make_send_indication(const TransactionId& id, const Address& peer, std::span<const std::uint8_t> data,
                                   bool dont_fragment = false);
stun::Message make_connect(const TransactionId& id, const Address& peer);
stun::Message make_connection_bind(const TransactionId& id, std::uint32_t connection_id);

// --- what a server sends ---------------------------------------------------------------
struct AllocateSuccess {
  std::vector<Address> relayed;     // XOR-RELAYED-ADDRESS, one per family granted (1 or 2)
  std::optional<Address> mapped;    // XOR-MAPPED-ADDRESS (the client's reflexive address)
  std::uint32_t lifetime = 0;       // LIFETIME
  std::optional<std::uint64_t> reservation_token;
  std::optional<AddressErrorCode> address_error;  // a family the server could not grant
};
// Needs XOR-RELAYED-ADDRESS and LIFETIME; errors "malformed" (with the attribute) otherwise.
Result<AllocateSuccess> read_allocate_success(const stun::Message& response);

// Data indication: XOR-PEER-ADDRESS and DATA. The data views the message.
struct DataIndication {
  Address peer;
  std::span<const std::uint8_t> data;
  std::optional<Icmp> icmp;  // RFC 8656 §11.6: an ICMP error instead of data
};
Result<DataIndication> read_data_indication(const stun::Message& indication);

// ConnectionAttempt indication (RFC 6062 §4.4): CONNECTION-ID and XOR-PEER-ADDRESS.
struct ConnectionAttempt {
  std::uint32_t connection_id = 0;
  Address peer;
};
Result<ConnectionAttempt> read_connection_attempt(const stun::Message& indication);

// An error response's ERROR-CODE with the challenge attributes that come with it.
struct ErrorReply {
  stun::ErrorCode error;
  std::optional<std::string> realm;            // 401
  std::optional<std::string> nonce;            // 401, 438
  std::optional<Address> alternate_server;     // 300
};
// Any error response; a missing or bad ERROR-CODE is "malformed".
Result<ErrorReply> read_error_reply(const stun::Message& response);

// A short name of a TURN or STUN error code, "Allocation Mismatch" ("" if unknown).
std::string_view error_code_name(std::uint16_t code);

}  // namespace p2pd::proto::turn
