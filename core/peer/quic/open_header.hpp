#pragma once
// The first bytes of a stream may name what it is for, so the accepting side can route
// it (a REST-named connection, a forward). Format: 2-byte big-endian length + UTF-8 name,
// at most kMaxOpenHeaderName bytes. Writing it is the opener's choice; the accepting side
// reads it with read_open_header before anything else.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/peer/quic/stream.hpp"
#include "core/result.hpp"

namespace p2pd::peer::quic {

inline constexpr std::size_t kMaxOpenHeaderName = 1024;

std::vector<std::uint8_t> encode_open_header(std::string_view name);

// Pure parse of the start of a stream: nullopt = need more bytes; on success `used` is
// the header's length. Error "malformed" if the name is too long.
Result<std::optional<std::string>> parse_open_header(std::span<const std::uint8_t> bytes, std::size_t& used);

// Reads and consumes the header from a stream's received bytes: nullopt until complete;
// error "malformed" when too long or the stream ended first.
Result<std::optional<std::string>> read_open_header(Stream& stream);

}  // namespace p2pd::peer::quic
