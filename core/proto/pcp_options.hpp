#pragma once
// PCP options (RFC 6887 §7.3, §13.1-13.3): code, reserved, length and data padded to a
// multiple of 4. The three options of RFC 6887 are checked and decoded; other codes are
// kept as raw data (a client ignores what it did not ask for).
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/proto/byte_reader.hpp"
#include "core/proto/byte_writer.hpp"
#include "core/proto/pcp_constants.hpp"
#include "core/result.hpp"

namespace p2pd::proto::pcp {

// A 128-bit PCP address field: an IPv6 address, or an IPv4 address as ::ffff:a.b.c.d.
using Ip = std::array<std::uint8_t, 16>;
using Ipv4 = std::array<std::uint8_t, 4>;

Ip ipv4_mapped(const Ipv4& v4);
bool is_ipv4_mapped(const Ip& ip);
Ipv4 ipv4_of(const Ip& mapped);  // the last four bytes
bool is_zero(const Ip& ip);      // :: (the "any address" of a MAP request)

struct Option {
  std::uint8_t code = 0;
  std::vector<std::uint8_t> data;  // unpadded
  bool operator==(const Option&) const = default;
};

// FILTER (§13.3): only this remote prefix and port (0 = any) may use the mapping.
// prefix_length counts bits of the 128-bit field (96 + n for IPv4); 0 removes filters.
struct Filter {
  std::uint8_t prefix_length = 0;
  std::uint16_t remote_port = 0;
  Ip remote_address{};
  bool operator==(const Filter&) const = default;
};

Option prefer_failure_option();
Option third_party_option(const Ip& internal_address);
Option filter_option(const Filter& filter);
// Decoders for options of that code. Errors: "malformed" (wrong length, bad prefix).
Result<Ip> decode_third_party(const Option& option);
Result<Filter> decode_filter(const Option& option);

// Reads options until the end of `reader`; checks each known option's length. Errors:
// "malformed" (truncated option, bad padding length, bad known option).
Result<std::vector<Option>> read_options(ByteReader& reader);
// Appends each option with its padding. False if an option's data is over 65535 bytes.
bool write_options(ByteWriter& writer, std::span<const Option> options);

}  // namespace p2pd::proto::pcp
