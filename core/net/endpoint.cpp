// Text and sockaddr forms of IP addresses, endpoints, host:port pairs and API listeners.
#include "core/net/endpoint.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <sys/un.h>

#include <cstring>

namespace p2pd::net {
namespace {

Error bad(std::string what, std::string_view text) {
  return make_error("bad_request", std::move(what) + " in \"" + std::string(text) + "\"");
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A decimal number of at most 10 digits (no sign, no spaces), or nullopt.
std::optional<std::uint64_t> parse_decimal(std::string_view s) {
  if (!all_digits(s) || s.size() > 10) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  return v;
}

// "80" -> 80; 0-65535 only.
Result<std::uint16_t> parse_port(std::string_view s, std::string_view whole) {
  if (s.empty()) return bad("missing port", whole);
  auto v = parse_decimal(s);
  if (!v) return bad("port is not a number", whole);
  if (*v > 65535) return bad("port out of range 0-65535", whole);
  return static_cast<std::uint16_t>(*v);
}

// Splits "[host]:port" or "host:port" into host (brackets removed) and port text.
// `bracketed` tells which form it was. Fails on a missing ':' or stray brackets.
struct HostPortText {
  std::string_view host;
  std::string_view port;
  bool bracketed = false;
};

Result<HostPortText> split_host_port(std::string_view text) {
  HostPortText out;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return bad("missing ']'", text);
    out.host = text.substr(1, close - 1);
    out.bracketed = true;
    auto rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return bad("missing port", text);
    out.port = rest.substr(1);
    return out;
  }
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("missing port", text);
  out.host = text.substr(0, colon);
  out.port = text.substr(colon + 1);
  if (out.host.find(':') != std::string_view::npos) {
    return bad("IPv6 address without brackets (write [::1]:80)", text);
  }
  if (out.host.find_first_of("[]") != std::string_view::npos) return bad("stray bracket", text);
  return out;
}

// ::ffff:a.b.c.d as the IPv4 address it carries, for classification.
std::optional<IpAddress> mapped_v4(const IpAddress& a) {
  if (a.family != Family::v6) return std::nullopt;
  static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a.bytes, prefix, sizeof prefix) != 0) return std::nullopt;
  IpAddress v4;
  std::memcpy(v4.bytes, a.bytes + 12, 4);
  return v4;
}

bool v6_all_zero_then(const std::uint8_t* b, std::uint8_t last) {
  for (int i = 0; i < 15; ++i) {
    if (b[i] != 0) return false;
  }
  return b[15] == last;
}

// Scope ids make sense on unicast link-local (fe80::/10) and on interface- or
// link-local multicast (ff01::/16, ff02::/16).
bool v6_takes_scope(const IpAddress& a) {
  const auto* b = a.bytes;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;
  return b[0] == 0xff && ((b[1] & 0x0f) == 1 || (b[1] & 0x0f) == 2);
}

// "host:port", or "[host]:port" when `brackets`. Appends piece by piece: g++ 12 at -O3
// gives a false -Wrestrict on `"[" + std::string(...)`.
std::string with_port(std::string_view host, bool brackets, std::uint16_t port) {
  std::string out;
  out.reserve(host.size() + 8);
  if (brackets) out += '[';
  out += host;
  if (brackets) out += ']';
  out += ':';
  out += std::to_string(port);
  return out;
}

bool valid_hostname(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t label = 0;
  char prev = '.';
  for (char c : host) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (c == '.') {
      if (label == 0 || prev == '-') return false;  // empty label or ends with '-'
      label = 0;
    } else if (alnum || c == '-') {
      if (c == '-' && label == 0) return false;     // label starts with '-'
      if (++label > 63) return false;
    } else {
      return false;
    }
    prev = c;
  }
  return label > 0 && prev != '-';
}

}  // namespace

// --- IpAddress -----------------------------------------------------------------------

Result<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty()) return bad("empty address", text);
  auto percent = text.find('%');
  std::string addr(text.substr(0, percent));
  IpAddress out;
  if (percent == std::string_view::npos && inet_pton(AF_INET, addr.c_str(), out.bytes) == 1) {
    out.family = Family::v4;
    return out;
  }
  if (inet_pton(AF_INET6, addr.c_str(), out.bytes) != 1) {
    return bad(percent == std::string_view::npos ? "not an IP address"
                                                   : "not an IPv6 address with a scope",
               text);
  }
  out.family = Family::v6;
  if (percent == std::string_view::npos) return out;

  auto scope = text.substr(percent + 1);
  if (scope.empty()) return bad("empty scope after '%'", text);
  if (!v6_takes_scope(out)) return bad("a scope is only allowed on link-local addresses", text);
  if (all_digits(scope)) {
    auto index = parse_decimal(scope);
    if (!index || *index == 0 || *index > 0xffffffffu) return bad("bad scope index", text);
    out.scope_id = static_cast<std::uint32_t>(*index);
    return out;
  }
  if (scope.size() >= IF_NAMESIZE) return bad("interface name too long", text);
  unsigned index = if_nametoindex(std::string(scope).c_str());
  if (index == 0) return bad("unknown interface", text);
  out.scope_id = index;
  return out;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == Family::v4) {
    inet_ntop(AF_INET, bytes, buf, sizeof buf);
    return buf;
  }
  inet_ntop(AF_INET6, bytes, buf, sizeof buf);
  std::string out = buf;
  if (scope_id != 0) {
    char name[IF_NAMESIZE] = {};
    out += '%';
    out += if_indextoname(scope_id, name) ? std::string(name) : std::to_string(scope_id);
  }
  return out;
}

bool IpAddress::is_loopback() const {
  if (auto v4 = mapped_v4(*this)) return v4->is_loopback();
  if (family == Family::v4) return bytes[0] == 127;
  return v6_all_zero_then(bytes, 1);
}

bool IpAddress::is_link_local() const {
  if (auto v4 = mapped_v4(*this)) return v4->is_link_local();
  if (family == Family::v4) return bytes[0] == 169 && bytes[1] == 254;
  return bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80;
}

bool IpAddress::is_private() const {
  if (auto v4 = mapped_v4(*this)) return v4->is_private();
  if (family == Family::v6) return (bytes[0] & 0xfe) == 0xfc;
  const auto* b = bytes;
  return b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
         (b[0] == 100 && (b[1] & 0xc0) == 64);
}

bool IpAddress::is_unspecified() const {
  if (family == Family::v4) return bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0 && bytes[3] == 0;
  return v6_all_zero_then(bytes, 0);
}

// --- Endpoint ------------------------------------------------------------------------

Result<Endpoint> Endpoint::parse(std::string_view text) {
  auto parts = split_host_port(text);
  if (!parts) return parts.error();
  if (parts->host.empty()) return bad("missing address", text);
  auto addr = IpAddress::parse(parts->host);
  if (!addr) return addr.error();
  if (addr->family == Family::v6 && !parts->bracketed) {
    return bad("IPv6 address without brackets (write [::1]:80)", text);
  }
  if (addr->family == Family::v4 && parts->bracketed) return bad("brackets around IPv4", text);
  auto port = parse_port(parts->port, text);
  if (!port) return port.error();
  return Endpoint{*addr, *port};
}

Endpoint Endpoint::from_sockaddr(const sockaddr* sa) {
  Endpoint out;
  if (sa == nullptr) return out;
  if (sa->sa_family == AF_INET) {
    sockaddr_in in;
    std::memcpy(&in, sa, sizeof in);
    out.address.family = Family::v4;
    std::memcpy(out.address.bytes, &in.sin_addr, 4);
    out.port = ntohs(in.sin_port);
  } else if (sa->sa_family == AF_INET6) {
    sockaddr_in6 in6;
    std::memcpy(&in6, sa, sizeof in6);
    out.address.family = Family::v6;
    std::memcpy(out.address.bytes, &in6.sin6_addr, 16);
    out.address.scope_id = in6.sin6_scope_id;
    out.port = ntohs(in6.sin6_port);
  }
  return out;
}

std::string Endpoint::to_string() const {
  return with_port(address.to_string(), address.family == Family::v6, port);
}

socklen_t Endpoint::to_sockaddr(sockaddr_storage& storage) const {
  std::memset(&storage, 0, sizeof storage);
  if (address.family == Family::v4) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    std::memcpy(&in.sin_addr, address.bytes, 4);
    std::memcpy(&storage, &in, sizeof in);
    return sizeof in;
  }
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(port);
  std::memcpy(&in6.sin6_addr, address.bytes, 16);
  in6.sin6_scope_id = address.scope_id;
  std::memcpy(&storage, &in6, sizeof in6);
  return sizeof in6;
}

// --- HostPort ------------------------------------------------------------------------

Result<HostPort> HostPort::parse(std::string_view text) {
  auto parts = split_host_port(text);
  if (!parts) return parts.error();
  if (parts->host.empty()) return bad("missing host", text);
  if (parts->bracketed) {
    auto addr = IpAddress::parse(parts->host);
    if (!addr || addr->family != Family::v6) return bad("not an IPv6 address in brackets", text);
  } else if (parts->host.find_first_not_of("0123456789.") == std::string_view::npos) {
    // All digits and dots: only an IPv4 literal can look like this.
    if (!IpAddress::parse(parts->host)) return bad("not an IPv4 address", text);
  } else if (!valid_hostname(parts->host)) {
    return bad("not a host name (letters, digits, '-', '.')", text);
  }
  auto port = parse_port(parts->port, text);
  if (!port) return port.error();
  if (*port == 0) return bad("port must be 1-65535", text);
  return HostPort{std::string(parts->host), *port};
}

std::string HostPort::to_string() const {
  return with_port(host, host.find(':') != std::string::npos, port);
}

// --- ListenEndpoint ------------------------------------------------------------------

Result<ListenEndpoint> ListenEndpoint::parse(std::string_view text) {
  static constexpr std::string_view prefix = "unix:";
  if (text.substr(0, prefix.size()) == prefix) {
    auto path = text.substr(prefix.size());
    if (path.empty()) return bad("empty unix socket path", text);
    if (path.find('\0') != std::string_view::npos) return bad("NUL in unix socket path", text);
    if (path.size() >= sizeof(sockaddr_un::sun_path)) return bad("unix socket path too long", text);
    ListenEndpoint out;
    out.unix_path = std::string(path);
    return out;
  }
  auto ep = Endpoint::parse(text);
  if (!ep) return ep.error();
  ListenEndpoint out;
  out.tcp = *ep;
  return out;
}

std::string ListenEndpoint::to_string() const {
  return tcp ? tcp->to_string() : "unix:" + unix_path;
}

}  // namespace p2pd::net
