#pragma once
// CRC-32 as used by Ethernet, zlib and the STUN FINGERPRINT attribute (reflected
// polynomial 0xEDB88320, initial value and final xor 0xFFFFFFFF). crc32("123456789") is
// 0xCBF43926.
#include <cstdint>
#include <span>

namespace p2pd::proto {

std::uint32_t crc32(std::span<const std::uint8_t> data);

// Continues a CRC over data that arrives in pieces: start with crc32_update(0, first),
// then feed each result back in with the next piece.
std::uint32_t crc32_update(std::uint32_t crc, std::span<const std::uint8_t> data);

}  // namespace p2pd::proto
