#include "rpc/json_body.hpp"

#include <algorithm>

namespace p2pd::rpc {

Result<nlohmann::json> parse_body(const httplib::Request& req) {
  if (req.body.empty()) return nlohmann::json::object();
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return Error{"bad_request", "the body must be a JSON object"};
  return body;
}

Result<std::string> string_field(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_string()) return Error{"bad_request", std::string("\"") + key + "\" must be a string"};
  return it->get<std::string>();
}

std::chrono::milliseconds timeout_field(const nlohmann::json& body, std::uint64_t fallback_ms, std::uint64_t cap_ms) {
  auto it = body.find("timeout_ms");
  if (it != body.end() && it->is_number_unsigned())
    return std::chrono::milliseconds(std::min<std::uint64_t>(it->get<std::uint64_t>(), cap_ms));
  return std::chrono::milliseconds(fallback_ms);
}

}  // namespace p2pd::rpc
