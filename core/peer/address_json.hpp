#pragma once
// A peer address's parts as JSON, for /v1/peers (and /v1/addr): the key, the peer id,
// ports, signaling brokers and candidate groups. docs/API.md, "Address book".
#include <nlohmann/json.hpp>

#include "core/proto/peer_address.hpp"

namespace p2pd::peer {

nlohmann::json address_parts_json(const proto::peer::PeerAddress& address);

}  // namespace p2pd::peer
