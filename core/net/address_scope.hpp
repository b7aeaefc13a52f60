#pragma once
// The scope of an interface address, as the API and the peer address show it.
#include <string_view>

#include "core/net/endpoint.hpp"

namespace p2pd::net {

enum class AddressScope {
  loopback,     // 127/8, ::1
  link_local,   // 169.254/16, fe80::/10 (needs a scope id to be used)
  private_net,  // RFC 1918, CGNAT 100.64/10, ULA fc00::/7
  global,       // everything else
};

AddressScope classify(const IpAddress& address);
std::string_view to_string(AddressScope scope);  // "loopback", "link_local", "private", "global"

}  // namespace p2pd::net
