#pragma once
// A peer session as the API shows it: in GET /v1/sessions and, for a peer pipe, under
// "peer" in /v1/pipes/<name> (docs/API.md, "Peer sessions").
#include <nlohmann/json.hpp>

#include "core/peer/peer_service.hpp"

namespace p2pd::peer {

nlohmann::json link_json(const PeerLinkInfo& link);

}  // namespace p2pd::peer
