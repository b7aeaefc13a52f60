#pragma once
// Request bodies of /v1 routes: a JSON object (an empty body is {}), and typed fields
// with errors that name the key.
#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/result.hpp"

namespace p2pd::rpc {

Result<nlohmann::json> parse_body(const httplib::Request& req);
Result<std::string> string_field(const nlohmann::json& body, const char* key);
// How long a request may wait: "timeout_ms" when it is an unsigned number (capped at
// cap_ms), else fallback_ms.
std::chrono::milliseconds timeout_field(const nlohmann::json& body, std::uint64_t fallback_ms, std::uint64_t cap_ms);

}  // namespace p2pd::rpc
