#include "rpc/query_params.hpp"

#include <limits>

namespace p2pd::rpc {

Result<std::uint64_t> parse_number(std::string_view text, std::string_view name, std::uint64_t max) {
  auto bad = [&] {
    return Error{"bad_request", std::string(name) + " must be a number in 0-" + std::to_string(max)};
  };
  if (text.empty() || text.size() > 19) return bad();
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return bad();
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > max) return bad();
  return value;
}

Result<std::uint64_t> query_number(const httplib::Request& req, const std::string& name, std::uint64_t fallback,
                                   std::uint64_t max, bool clip) {
  if (!req.has_param(name.c_str())) return fallback;
  auto text = req.get_param_value(name.c_str());
  auto limit = clip ? std::numeric_limits<std::uint64_t>::max() / 10 : max;
  auto value = parse_number(text, name, limit);
  if (!value) return value;
  return *value > max ? max : *value;
}

}  // namespace p2pd::rpc
