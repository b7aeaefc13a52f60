#include "rpc/access_rules.hpp"

#include <sodium.h>

#include <cctype>

namespace p2pd::rpc {

namespace {

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 5) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// Strips ":port" (digits only) from a host; nullopt if the port part is malformed.
std::optional<std::string_view> strip_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    auto rest = host.substr(close + 1);
    if (rest.empty()) return host;
    if (rest.front() != ':' || !all_digits(rest.substr(1))) return std::nullopt;
    return host.substr(0, close + 1);
  }
  auto colon = host.find(':');
  if (colon == std::string_view::npos) return host;
  if (!all_digits(host.substr(colon + 1))) return std::nullopt;
  return host.substr(0, colon);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// 127.0.0.0/8 in dotted-quad form.
bool is_ipv4_loopback(std::string_view s) {
  int parts = 0;
  std::size_t start = 0;
  int first = -1;
  while (start <= s.size()) {
    auto dot = s.find('.', start);
    auto part = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.empty() || part.size() > 3) return false;
    int value = 0;
    for (char c : part) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
      value = value * 10 + (c - '0');
    }
    if (value > 255) return false;
    if (parts == 0) first = value;
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 4 && first == 127;
}

bool is_loopback_name(std::string_view host) {
  return iequals(host, "localhost") || host == "[::1]" || is_ipv4_loopback(host);
}

}  // namespace

bool host_allowed(std::string_view host_header) {
  auto host = strip_port(host_header);
  return host && is_loopback_name(*host);
}

bool origin_allowed(std::optional<std::string_view> origin_header) {
  if (!origin_header) return true;
  std::string_view origin = *origin_header;
  if (origin == "null") return true;
  constexpr std::string_view scheme = "http://";
  if (origin.size() <= scheme.size() || !iequals(origin.substr(0, scheme.size()), scheme)) return false;
  auto host = strip_port(origin.substr(scheme.size()));
  if (!host) return false;
  return iequals(*host, "localhost") || *host == "127.0.0.1" || *host == "[::1]";
}

bool bearer_matches(std::optional<std::string_view> authorization_header, std::string_view token) {
  if (!authorization_header || token.empty()) return false;
  constexpr std::string_view prefix = "Bearer ";
  std::string_view value = *authorization_header;
  if (value.size() <= prefix.size() || !iequals(value.substr(0, prefix.size()), prefix)) return false;
  value.remove_prefix(prefix.size());
  if (value.size() != token.size()) return false;
  return sodium_memcmp(value.data(), token.data(), token.size()) == 0;
}

Rejection check_access(const RequestFacts& facts, std::string_view token) {
  if (facts.over_unix_socket) return Rejection::none;
  if (!facts.host || !host_allowed(*facts.host)) return Rejection::forbidden_host;
  if (!origin_allowed(facts.origin)) return Rejection::forbidden_origin;
  bool public_route = facts.method == "GET" && facts.path == "/version";
  if (facts.token_required && !public_route && !bearer_matches(facts.authorization, token))
    return Rejection::unauthorized;
  return Rejection::none;
}

std::string_view rejection_slug(Rejection r) {
  switch (r) {
    case Rejection::forbidden_host: return "forbidden_host";
    case Rejection::forbidden_origin: return "forbidden_origin";
    case Rejection::unauthorized: return "unauthorized";
    case Rejection::none: break;
  }
  return "";
}

}  // namespace p2pd::rpc
