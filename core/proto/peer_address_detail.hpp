#pragma once
// Pieces of the peer address grammar shared by its .cpp files (not a public interface).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/proto/peer_address.hpp"

namespace p2pd::proto::peer::detail {

inline Error bad(std::string message) { return Error{"bad_address", std::move(message)}; }

// Decimal without sign or leading zeros, at most `max`.
Result<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max, std::string_view what);
Result<std::uint16_t> parse_port(std::string_view text, std::string_view what);  // 1-65535

std::vector<std::string_view> split(std::string_view text, char separator);

// A broker host: a lowercase DNS name, or a canonical IPv4/IPv6 literal (no brackets).
Status check_host(std::string_view host);

// "m<index>" or "m<host>:<port>" and back.
Result<Channel> parse_channel(std::string_view token);
std::string channel_text(const Channel& channel);

}  // namespace p2pd::proto::peer::detail
