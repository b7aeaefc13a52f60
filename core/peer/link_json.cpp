#include "core/peer/link_json.hpp"

#include "core/proto/peer_address.hpp"

namespace p2pd::peer {

nlohmann::json link_json(const PeerLinkInfo& l) {
  using nlohmann::json;
  return {{"peer_id", l.peer_id},
          {"key", proto::peer::key_to_text(l.key)},
          {"strategy", l.strategy},
          {"path", l.path},
          {"local", l.local.to_string()},
          {"remote", l.remote.to_string()},
          {"candidate", l.candidate.empty() ? json(nullptr) : json(l.candidate)},
          {"rtt_ms", static_cast<double>(l.rtt_us) / 1000.0},
          {"handshake_ms", static_cast<double>(l.handshake_us) / 1000.0},
          {"bytes_sent", l.bytes_sent},
          {"bytes_received", l.bytes_received},
          {"streams", l.streams}};
}

}  // namespace p2pd::peer
