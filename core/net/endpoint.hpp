#pragma once
// Endpoints: an IPv4/IPv6 address (with scope id for link-local IPv6) and a port, or a
// unix socket path. Text forms: "1.2.3.4:80", "[::1]:80", "[fe80::1%eth0]:80",
// "unix:/path/api.sock". Hostnames are not endpoints: see HostPort.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace p2pd::net {

enum class Family { v4, v6 };

// An IP address with an optional IPv6 scope id (interface index).
struct IpAddress {
  Family family = Family::v4;
  std::uint8_t bytes[16] = {};   // v4 uses the first 4
  std::uint32_t scope_id = 0;    // v6 link-local only

  static Result<IpAddress> parse(std::string_view text);  // "1.2.3.4", "::1", "fe80::1%eth0"
  std::string to_string() const;                          // scope printed as %ifname when known
  bool is_loopback() const;
  bool is_link_local() const;
  bool is_private() const;       // RFC 1918, CGNAT 100.64/10, ULA fc00::/7
  bool is_unspecified() const;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct Endpoint {
  IpAddress address;
  std::uint16_t port = 0;

  static Result<Endpoint> parse(std::string_view text);   // "1.2.3.4:80", "[::1]:80"
  static Endpoint from_sockaddr(const sockaddr* sa);       // AF_INET / AF_INET6 only
  std::string to_string() const;                          // the same text forms
  // Fills `storage` and returns its length for bind/connect/sendto.
  socklen_t to_sockaddr(sockaddr_storage& storage) const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// "host:port" where host may be a name ("stun.example.org:3478") or an address
// ("[2001:db8::1]:3478"); port 1-65535. For server lists in config.
struct HostPort {
  std::string host;              // without brackets
  std::uint16_t port = 0;
  static Result<HostPort> parse(std::string_view text);
  std::string to_string() const; // brackets around IPv6 literals
};

// An API listener: a TCP endpoint or a unix socket path.
struct ListenEndpoint {
  std::optional<Endpoint> tcp;   // set for TCP
  std::string unix_path;         // set for "unix:PATH" (may be relative)
  bool is_unix() const { return !tcp.has_value(); }
  static Result<ListenEndpoint> parse(std::string_view text);
  std::string to_string() const;
};

}  // namespace p2pd::net
