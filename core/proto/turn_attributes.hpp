#pragma once
// Typed values of the TURN attributes. The XOR address attributes (XOR-PEER-ADDRESS,
// XOR-RELAYED-ADDRESS) use stun::add_xor_address / get_xor_address, and the plain
// integers (LIFETIME, CONNECTION-ID 32 bits, RESERVATION-TOKEN 64 bits) stun::add_u32 /
// add_u64; this file adds the layouts TURN defines itself. encode_*/decode_* work on
// attribute values; add_*/get_* on a message, where get_* reads the first attribute of
// its type and fails with "not_found" when there is none, "malformed" when it is bad.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/proto/stun_address.hpp"
#include "core/proto/stun_message.hpp"
#include "core/proto/turn_constants.hpp"
#include "core/result.hpp"

namespace p2pd::proto::turn {

using stun::Address;
using stun::AddressFamily;
using stun::Message;

// --- CHANNEL-NUMBER: 16-bit number, 16 bits RFFU ------------------------------------
// Decoding wants 4 bytes and a number in kMinChannel..kMaxChannel; RFFU is ignored.
std::vector<std::uint8_t> encode_channel_number(std::uint16_t channel);
Result<std::uint16_t> decode_channel_number(std::span<const std::uint8_t> value);
void add_channel_number(Message& message, std::uint16_t channel);
Result<std::uint16_t> get_channel_number(const Message& message);

// --- REQUESTED-TRANSPORT: protocol number, 24 bits RFFU -------------------------------
std::vector<std::uint8_t> encode_requested_transport(std::uint8_t protocol);
Result<std::uint8_t> decode_requested_transport(std::span<const std::uint8_t> value);
void add_requested_transport(Message& message, std::uint8_t protocol);
Result<std::uint8_t> get_requested_transport(const Message& message);

// --- REQUESTED-ADDRESS-FAMILY / ADDITIONAL-ADDRESS-FAMILY: family, 24 bits RFFU -------
std::vector<std::uint8_t> encode_address_family(AddressFamily family);
Result<AddressFamily> decode_address_family(std::span<const std::uint8_t> value);
void add_address_family(Message& message, std::uint16_t type, AddressFamily family);
Result<AddressFamily> get_address_family(const Message& message, std::uint16_t type);

// --- EVEN-PORT: one byte whose top bit asks the server to reserve the next port --------
std::vector<std::uint8_t> encode_even_port(bool reserve_next);
Result<bool> decode_even_port(std::span<const std::uint8_t> value);
void add_even_port(Message& message, bool reserve_next);
Result<bool> get_even_port(const Message& message);

// --- LIFETIME (seconds), CONNECTION-ID, RESERVATION-TOKEN: plain integers ------------
void add_lifetime(Message& message, std::uint32_t seconds);
Result<std::uint32_t> get_lifetime(const Message& message);
void add_connection_id(Message& message, std::uint32_t id);
Result<std::uint32_t> get_connection_id(const Message& message);
void add_reservation_token(Message& message, std::uint64_t token);
Result<std::uint64_t> get_reservation_token(const Message& message);

// --- DONT-FRAGMENT: no value -------------------------------------------------------------
void add_dont_fragment(Message& message);

// --- DATA: the application bytes, any length the message allows -------------------------
void add_data(Message& message, std::span<const std::uint8_t> data);
// A view into the message's attribute: valid while the message is.
Result<std::span<const std::uint8_t>> get_data(const Message& message);

// --- ADDRESS-ERROR-CODE (RFC 8656 §18.12): family, reserved, class, number, reason ----
struct AddressErrorCode {
  AddressFamily family = AddressFamily::v4;
  std::uint16_t code = 0;  // 300-699
  std::string reason;
  friend bool operator==(const AddressErrorCode&, const AddressErrorCode&) = default;
};
std::vector<std::uint8_t> encode_address_error_code(const AddressErrorCode& error);
Result<AddressErrorCode> decode_address_error_code(std::span<const std::uint8_t> value);

// --- ICMP (RFC 8656 §18.13): 16 bits reserved, type, code, 32 bits error data ----------
struct Icmp {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint32_t error_data = 0;
  friend bool operator==(const Icmp&, const Icmp&) = default;
};
std::vector<std::uint8_t> encode_icmp(const Icmp& icmp);
Result<Icmp> decode_icmp(std::span<const std::uint8_t> value);

// The attribute types a TURN client understands (for stun::unknown_required_attributes).
std::span<const std::uint16_t> understood_attributes();

}  // namespace p2pd::proto::turn
