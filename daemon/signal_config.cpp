#include "daemon/signal_config.hpp"

#include "core/net/endpoint.hpp"

namespace p2pd::daemon {

std::vector<signaling::BrokerAddress> signal_brokers(const config::Signaling& signaling) {
  std::vector<signaling::BrokerAddress> out;
  for (const auto& text : signaling.mqtt.brokers) {
    auto hp = net::HostPort::parse(text);
    if (!hp) continue;
    out.push_back(signaling::BrokerAddress{hp->host, hp->port});
  }
  return out;
}

std::vector<proto::peer::Channel> signal_channels(const config::Signaling& signaling) {
  std::vector<proto::peer::Channel> out;
  for (const auto& b : signal_brokers(signaling)) {
    if (out.size() >= proto::peer::kMaxChannels) break;
    auto ch = proto::peer::channel_for_broker(b.host, b.port);
    if (ch) out.push_back(std::move(*ch));
  }
  return out;
}

}  // namespace p2pd::daemon
