#include "core/net/address_scope.hpp"

namespace p2pd::net {

// IpAddress owns the range tables (IPv4-mapped IPv6 is classified as the IPv4 it
// carries); this only orders them.
AddressScope classify(const IpAddress& address) {
  if (address.is_loopback()) return AddressScope::loopback;
  if (address.is_link_local()) return AddressScope::link_local;
  if (address.is_private()) return AddressScope::private_net;
  return AddressScope::global;
}

std::string_view to_string(AddressScope scope) {
  switch (scope) {
    case AddressScope::loopback: return "loopback";
    case AddressScope::link_local: return "link_local";
    case AddressScope::private_net: return "private";
    case AddressScope::global: return "global";
  }
  return "global";
}

}  // namespace p2pd::net
