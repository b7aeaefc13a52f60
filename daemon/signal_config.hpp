#pragma once
// The config's signaling section as core values (core never sees config/): the brokers
// to connect to, and the channels our peer address announces for them.
#include <vector>

#include "config/config.hpp"
#include "core/proto/peer_address.hpp"
#include "core/signal/signaling.hpp"

namespace p2pd::daemon {

// signaling.mqtt.brokers in order (validated at load time; an entry that does not parse
// is skipped).
std::vector<signaling::BrokerAddress> signal_brokers(const config::Signaling& signaling);
// The same brokers as peer-address channels (a public broker by its index), at most
// proto::peer::kMaxChannels.
std::vector<proto::peer::Channel> signal_channels(const config::Signaling& signaling);

}  // namespace p2pd::daemon
