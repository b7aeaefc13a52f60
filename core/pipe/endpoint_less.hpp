#pragma once
// A strict order on endpoints, for maps keyed by sender.
#include <cstring>

#include "core/net/endpoint.hpp"

namespace p2pd::pipe {

struct EndpointLess {
  bool operator()(const net::Endpoint& a, const net::Endpoint& b) const {
    if (a.port != b.port) return a.port < b.port;
    if (a.address.family != b.address.family) return a.address.family < b.address.family;
    if (a.address.scope_id != b.address.scope_id) return a.address.scope_id < b.address.scope_id;
    return std::memcmp(a.address.bytes, b.address.bytes, sizeof a.address.bytes) < 0;
  }
};

}  // namespace p2pd::pipe
