#pragma once
// Numeric query parameters (?timeout_ms=N, ?after=N): digits only, bounded, with the
// parameter's name in the error so that a caller sees which one was wrong.
#include <httplib.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace p2pd::rpc {

// A decimal number in 0..max; "bad_request" otherwise (empty, signs, non-digits, too big).
Result<std::uint64_t> parse_number(std::string_view text, std::string_view name, std::uint64_t max);

// The parameter `name` of req, or `fallback` when it is absent; values above `max`
// are refused rather than clipped unless `clip` is set.
Result<std::uint64_t> query_number(const httplib::Request& req, const std::string& name, std::uint64_t fallback,
                                   std::uint64_t max, bool clip = false);

}  // namespace p2pd::rpc
