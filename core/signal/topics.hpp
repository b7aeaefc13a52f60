#pragma once
// MQTT topics of a peer, derived from its public key (lowercase base32, as in peer
// addresses): sealed messages to it go to "p2pd/1/<key>/in"; its signed address record
// is kept retained on "p2pd/1/<key>/addr".
#include <optional>
#include <string>
#include <string_view>

#include "core/proto/peer_address.hpp"
#include "core/signal/key_pair.hpp"

namespace p2pd::signaling {

inline std::string topic_root(const PublicKey& key) { return "p2pd/1/" + proto::peer::key_to_text(key); }
inline std::string inbox_topic(const PublicKey& key) { return topic_root(key) + "/in"; }
inline std::string address_topic(const PublicKey& key) { return topic_root(key) + "/addr"; }

// The key of an address topic ("p2pd/1/<key>/addr"), nullopt for anything else.
inline std::optional<PublicKey> key_of_address_topic(std::string_view topic) {
  constexpr std::string_view prefix = "p2pd/1/", suffix = "/addr";
  if (topic.size() != prefix.size() + proto::peer::kKeyTextSize + suffix.size()) return std::nullopt;
  if (topic.substr(0, prefix.size()) != prefix || topic.substr(topic.size() - suffix.size()) != suffix)
    return std::nullopt;
  auto key = proto::peer::key_from_text(topic.substr(prefix.size(), proto::peer::kKeyTextSize));
  if (!key) return std::nullopt;
  return *key;
}

}  // namespace p2pd::signaling
