#pragma once
// Request bodies of /v1 routes: a JSON object (an empty body is {}), and typed fields
// with errors that name the key.
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/result.hpp"

namespace p2pd::rpc {

Result<nlohmann::json> parse_body(const httplib::Request& req);
Result<std::string> string_field(const nlohmann::json& body, const char* key);

}  // namespace p2pd::rpc
