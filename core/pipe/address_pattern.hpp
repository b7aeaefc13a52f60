#pragma once
// Which senders a subscription accepts: an IP address or network and a port, either of
// which may be "any". Text forms (docs/API.md):
//   ""  "*"                      any sender
//   "192.0.2.7"  "2001:db8::1"   that address, any port
//   "192.0.2.7:5000" "[::1]:80"  that address and port
//   "*:5000"                     any address, that port
//   "10.0.0.0/8"  "[fe80::/10]:53"  a network (optionally with a port)
//   "192.0.2.7,5000"             P2PD's addr_p form "ip,port" (port 0 = any)
// A v6 pattern without a scope matches any scope. Pure: unit-tested alone.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/net/endpoint.hpp"
#include "core/result.hpp"

namespace p2pd::pipe {

struct AddressPattern {
  std::optional<net::IpAddress> network;  // none: any address
  int prefix = 0;                         // bits that must match (32/128 for one address)
  std::uint16_t port = 0;                 // 0: any port

  static Result<AddressPattern> parse(std::string_view text);
  bool matches(const net::Endpoint& sender) const;
  bool is_any() const { return !network && port == 0; }
  std::string to_string() const;
};

}  // namespace p2pd::pipe
