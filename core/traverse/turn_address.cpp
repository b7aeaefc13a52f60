#include "core/traverse/turn_address.hpp"

#include <algorithm>

namespace p2pd::traverse::turn {

net::Endpoint to_endpoint(const proto::stun::Address& a) {
  net::Endpoint ep;
  ep.address.family = a.family == proto::stun::AddressFamily::v4 ? net::Family::v4 : net::Family::v6;
  std::copy(a.bytes.begin(), a.bytes.end(), ep.address.bytes);
  ep.port = a.port;
  return ep;
}

proto::stun::Address to_address(const net::Endpoint& ep) {
  proto::stun::Address a;
  a.family = ep.address.family == net::Family::v4 ? proto::stun::AddressFamily::v4 : proto::stun::AddressFamily::v6;
  std::copy(std::begin(ep.address.bytes), std::end(ep.address.bytes), a.bytes.begin());
  if (a.family == proto::stun::AddressFamily::v4) std::fill(a.bytes.begin() + 4, a.bytes.end(), 0);
  a.port = ep.port;
  return a;
}

std::string to_text(const proto::stun::Address& a) { return to_endpoint(a).to_string(); }

}  // namespace p2pd::traverse::turn
