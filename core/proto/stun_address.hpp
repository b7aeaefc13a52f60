#pragma once
// Transport addresses in STUN attributes: the plain MAPPED-ADDRESS format (also
// RESPONSE-ORIGIN, OTHER-ADDRESS, ALTERNATE-SERVER and RFC 3489's SOURCE-ADDRESS,
// CHANGED-ADDRESS, RESPONSE-ADDRESS) and the XOR format (XOR-MAPPED-ADDRESS; TURN's
// XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS use the same helpers).
//
// core/proto cannot see core/net, so Address is its own small value; converting to and
// from net::Endpoint is the caller's business.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/proto/stun_message.hpp"
#include "core/result.hpp"

namespace p2pd::proto::stun {

enum class AddressFamily : std::uint8_t { v4 = 0x01, v6 = 0x02 };

struct Address {
  AddressFamily family = AddressFamily::v4;
  std::array<std::uint8_t, 16> bytes{};  // network order; v4 uses the first 4, the rest stay 0
  std::uint16_t port = 0;

  static Address v4(std::array<std::uint8_t, 4> ip, std::uint16_t port);
  static Address v6(std::array<std::uint8_t, 16> ip, std::uint16_t port);
  friend bool operator==(const Address&, const Address&) = default;
};

// Attribute values (no attribute header). Decoding checks the family and that the
// length fits it (8 bytes for v4, 20 for v6); errors have code "malformed".
std::vector<std::uint8_t> encode_address(const Address& address);
Result<Address> decode_address(std::span<const std::uint8_t> value);
std::vector<std::uint8_t> encode_xor_address(const Address& address, const TransactionId& id);
Result<Address> decode_xor_address(std::span<const std::uint8_t> value, const TransactionId& id);

// On a message: add appends an attribute; get reads the first one of that type, with
// code "not_found" when there is none. XOR attributes use the message's transaction id;
// a classic RFC 3489 message has no XOR attributes ("malformed").
void add_address(Message& message, std::uint16_t type, const Address& address);
void add_xor_address(Message& message, std::uint16_t type, const Address& address);
Result<Address> get_address(const Message& message, std::uint16_t type);
Result<Address> get_xor_address(const Message& message, std::uint16_t type);

// The reflexive address a Binding response reports: XOR-MAPPED-ADDRESS when present,
// else MAPPED-ADDRESS (all a classic server sends).
Result<Address> get_mapped_address(const Message& message);

}  // namespace p2pd::proto::stun
