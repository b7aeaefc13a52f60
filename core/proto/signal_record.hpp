#pragma once
// The address record a daemon keeps retained on its MQTT address topic, so that others
// can learn its current peer address from its key alone. Public (not sealed), signed.
//
//   record = "P2A" 0x01 | key[32] | timestamp_ms u64 | address_len u16 | address |
//            signature[64]
// The Ed25519 signature by `key` covers kRecordContext followed by every byte before it.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/proto/signal_message.hpp"
#include "core/result.hpp"

namespace p2pd::proto::signaling {

inline constexpr std::array<std::uint8_t, 4> kRecordMagic = {'P', '2', 'A', 0x01};
inline constexpr std::string_view kRecordContext{"p2pd-addr-v1\0", 13};
inline constexpr std::size_t kMaxRecordAddress = 1024;

struct AddressRecord {
  Key key{};
  std::uint64_t timestamp_ms = 0;
  std::string address;  // a peer address (printable ASCII; parsed by the receiver)
  Signature signature{};
  friend bool operator==(const AddressRecord&, const AddressRecord&) = default;
};

std::vector<std::uint8_t> record_signed_bytes(const AddressRecord& record);
// Empty if the address is empty, too long or not printable ASCII.
std::vector<std::uint8_t> serialize_record(const AddressRecord& record);
Result<AddressRecord> parse_record(std::span<const std::uint8_t> bytes);  // "malformed"

}  // namespace p2pd::proto::signaling
