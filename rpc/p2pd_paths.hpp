#pragma once
// The option pairs of P2PD's pipe routes, after /recv/<c>, /binary/<c> and /sub/<c>
// (docs/API.md, "P2PD-compatible routes"): "/name/<sub>", "/timeout/<seconds>",
// "/msg_p/<regex>", "/addr_p/<ip,port>". Segments arrive URL-decoded (rpc::Router).
// Pure: unit-tested alone.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace p2pd::rpc {

inline constexpr std::uint64_t kP2pdDefaultTimeoutMs = 2000;  // P2PD's recv default: 2 s
inline constexpr std::uint64_t kP2pdMaxTimeoutMs = 300000;

struct P2pdOptions {
  std::optional<std::string> name;      // the subscription
  std::optional<std::uint64_t> timeout_ms;
  std::optional<std::string> msg_p;     // regex on the content
  std::optional<std::string> addr_p;    // sender pattern, normalised (p2pd_addr_pattern)
};

// `rest` holds key, value, key, value... Only the keys in `allowed` are taken; an odd
// count, an unknown or repeated key or a bad value is "bad_request" naming it.
Result<P2pdOptions> parse_p2pd_options(const std::vector<std::string>& rest,
                                       std::initializer_list<std::string_view> allowed);

// "2", "0.5", "10.25": seconds -> milliseconds, capped at kP2pdMaxTimeoutMs.
Result<std::uint64_t> parse_p2pd_timeout(std::string_view seconds);

// P2PD writes sender patterns as a Python tuple, "('127.0.0.1', 0)"; this returns the
// "ip,port" form AddressPattern reads. Anything else comes back unchanged.
std::string p2pd_addr_pattern(std::string_view text);

}  // namespace p2pd::rpc
