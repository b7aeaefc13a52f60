#pragma once
// STUN/TURN addresses (core/proto's own small value) to and from net::Endpoint.
#include <string>

#include "core/net/endpoint.hpp"
#include "core/proto/stun_address.hpp"

namespace p2pd::traverse::turn {

net::Endpoint to_endpoint(const proto::stun::Address& address);
proto::stun::Address to_address(const net::Endpoint& endpoint);  // the scope id is dropped
std::string to_text(const proto::stun::Address& address);        // "1.2.3.4:5", "[2001:db8::1]:5"

}  // namespace p2pd::traverse::turn
