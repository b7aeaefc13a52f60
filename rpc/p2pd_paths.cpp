#include "rpc/p2pd_paths.hpp"

#include <algorithm>
#include <cctype>

namespace p2pd::rpc {

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

}  // namespace

Result<std::uint64_t> parse_p2pd_timeout(std::string_view text) {
  const auto bad = Error{"bad_request", "timeout must be a number of seconds (\"2\", \"0.5\"), not \"" +
                                            std::string(text) + "\""};
  auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() && frac.empty()) return bad;
  if (!whole.empty() && !all_digits(whole)) return bad;
  if (dot != std::string_view::npos && !all_digits(frac)) return bad;
  const std::uint64_t cap_s = kP2pdMaxTimeoutMs / 1000;
  if (whole.size() > 6) return kP2pdMaxTimeoutMs;
  std::uint64_t ms = whole.empty() ? 0 : std::stoull(std::string(whole)) * 1000;
  if (ms >= cap_s * 1000) return kP2pdMaxTimeoutMs;
  std::uint64_t scale = 100;
  for (std::size_t i = 0; i < frac.size() && scale > 0; ++i, scale /= 10)
    ms += static_cast<std::uint64_t>(frac[i] - '0') * scale;
  return std::min(ms, kP2pdMaxTimeoutMs);
}

std::string p2pd_addr_pattern(std::string_view text) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') return std::string(text);
  std::string out;
  for (char c : text.substr(1, text.size() - 2))
    if (c != '\'' && c != '"' && c != ' ') out.push_back(c);
  return out;
}

Result<P2pdOptions> parse_p2pd_options(const std::vector<std::string>& rest,
                                       std::initializer_list<std::string_view> allowed) {
  P2pdOptions o;
  if (rest.size() % 2 != 0)
    return Error{"bad_request", "options come in pairs (/name/<sub>, /timeout/<s>...): \"" + rest.back() +
                                    "\" has no value"};
  for (std::size_t i = 0; i < rest.size(); i += 2) {
    const std::string& key = rest[i];
    const std::string& value = rest[i + 1];
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string names;
      for (auto a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
      return Error{"bad_request", "unknown option \"" + key + "\" (this route takes " + names + ")"};
    }
    auto repeated = [&key] { return Error{"bad_request", "option \"" + key + "\" is given twice"}; };
    if (key == "name") {
      if (o.name) return repeated();
      o.name = value;
    } else if (key == "timeout") {
      if (o.timeout_ms) return repeated();
      auto t = parse_p2pd_timeout(value);
      if (!t) return t.error();
      o.timeout_ms = *t;
    } else if (key == "msg_p") {
      if (o.msg_p) return repeated();
      o.msg_p = value;
    } else if (key == "addr_p") {
      if (o.addr_p) return repeated();
      o.addr_p = p2pd_addr_pattern(value);
    }
  }
  return o;
}

}  // namespace p2pd::rpc
