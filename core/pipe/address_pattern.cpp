#include "core/pipe/address_pattern.hpp"

#include <charconv>

namespace p2pd::pipe {

namespace {

Error bad(std::string_view text, std::string_view why) {
  return Error{"bad_request", "sender pattern \"" + std::string(text) + "\": " + std::string(why)};
}

std::optional<std::uint16_t> parse_port(std::string_view s) {
  if (s == "*") return 0;
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// "ip" or "ip/len" (no brackets, no port) into the pattern.
Status parse_network(std::string_view whole, std::string_view s, AddressPattern& out) {
  if (s == "*" || s.empty()) return {};
  auto slash = s.find('/');
  auto ip = net::IpAddress::parse(s.substr(0, slash));
  if (!ip.ok()) return bad(whole, ip.error().message);
  int bits = ip->family == net::Family::v4 ? 32 : 128;
  int prefix = bits;
  if (slash != std::string_view::npos) {
    auto len = s.substr(slash + 1);
    auto [ptr, ec] = std::from_chars(len.data(), len.data() + len.size(), prefix);
    if (len.empty() || ec != std::errc{} || ptr != len.data() + len.size() || prefix < 0 || prefix > bits)
      return bad(whole, "bad prefix length");
  }
  out.network = *ip;
  out.prefix = prefix;
  return {};
}

}  // namespace

Result<AddressPattern> AddressPattern::parse(std::string_view text) {
  AddressPattern out;
  if (text.empty() || text == "*") return out;
  std::string_view host = text;
  std::optional<std::string_view> port;
  if (auto comma = text.find(','); comma != std::string_view::npos) {  // P2PD "ip,port"
    host = text.substr(0, comma);
    port = text.substr(comma + 1);
  } else if (text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return bad(text, "missing ']'");
    host = text.substr(1, close - 1);
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad(text, "expected ':port' after ']'");
      port = rest.substr(1);
    }
  } else if (auto colon = text.find(':'); colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
    host = text.substr(0, colon);  // exactly one ':' -> v4 (or '*') with a port
    port = text.substr(colon + 1);
  }
  if (auto st = parse_network(text, host, out); !st.ok()) return st.error();
  if (port) {
    auto p = parse_port(*port);
    if (!p) return bad(text, "bad port");
    out.port = *p;
  }
  return out;
}

bool AddressPattern::matches(const net::Endpoint& sender) const {
  if (port != 0 && sender.port != port) return false;
  if (!network) return true;
  const auto& a = sender.address;
  if (a.family != network->family) return false;
  if (network->scope_id != 0 && a.scope_id != network->scope_id) return false;
  int full = prefix / 8;
  for (int i = 0; i < full; ++i)
    if (a.bytes[i] != network->bytes[i]) return false;
  int rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a.bytes[full] & mask) == (network->bytes[full] & mask);
}

std::string AddressPattern::to_string() const {
  if (is_any()) return "*";
  std::string host = "*";
  if (network) {
    host = network->to_string();
    int bits = network->family == net::Family::v4 ? 32 : 128;
    if (prefix != bits) host += "/" + std::to_string(prefix);
    if (network->family == net::Family::v6 && port != 0) host = "[" + host + "]";
  }
  if (port == 0) return host;
  return host + ":" + std::to_string(port);
}

}  // namespace p2pd::pipe
