#pragma once
// The structural walk over a STUN message's bytes shared by parse() and
// verify_integrity(): it checks the layout (see parse() in stun_message.hpp) and returns
// where each attribute sits, so integrity can be computed over the original bytes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/result.hpp"

namespace p2pd::proto::stun {

struct WireAttribute {
  std::uint16_t type = 0;
  std::size_t offset = 0;                // of the 4-byte attribute header, from the message start
  std::span<const std::uint8_t> value;   // views the scanned bytes; without padding
};

struct WireMessage {
  std::uint16_t type = 0;
  std::uint32_t cookie = 0;
  std::span<const std::uint8_t> transaction_id;  // 12 bytes
  std::vector<WireAttribute> attributes;
};

// Views into `packet`: keep it alive while using the result.
Result<WireMessage> scan(std::span<const std::uint8_t> packet);

// Attribute values are padded to a multiple of 4 bytes.
constexpr std::size_t padded_size(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

}  // namespace p2pd::proto::stun
