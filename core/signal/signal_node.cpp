#include "core/signal/signal_node.hpp"

#include <spdlog/spdlog.h>

namespace p2pd::signaling {

std::string_view broker_state_name(MqttState s) {
  switch (s) {
    case MqttState::connected: return "connected";
    case MqttState::waiting: return "backoff";
    case MqttState::stopped: return "stopped";
    case MqttState::idle:
    case MqttState::connecting:
    case MqttState::handshaking: return "connecting";
  }
  return "connecting";
}

SignalNode::SignalNode(loop::Loop& loop, KeyPair keys, observe::Registry& metrics, observe::StatusBoard* status)
    : loop_(loop), keys_(keys), metrics_(metrics), status_(status) {
  update_status();
}

SignalNode::~SignalNode() { stop(); }

void SignalNode::set_brokers(std::vector<BrokerAddress> brokers) {
  if (stopped_) return;
  if (signaling_ && brokers == brokers_) return;
  brokers_ = std::move(brokers);
  if (signaling_) {
    signaling_->set_on_change({});
    signaling_->stop();
    signaling_.reset();
  }
  if (!brokers_.empty()) {
    SignalingOptions o;
    o.brokers = brokers_;
    o.keys = keys_;
    signaling_ = std::make_unique<Signaling>(loop_, std::move(o), metrics_);
    signaling_->set_on_change([this] { update_status(); });
    if (!address_.empty()) signaling_->set_address(address_);
    signaling_->start();
    spdlog::info("signaling: {} broker(s) configured", brokers_.size());
  }
  update_status();
}

void SignalNode::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (signaling_) {
    signaling_->set_on_change({});
    signaling_->stop();
  }
  if (status_) status_->set("signaling", observe::Readiness::off, "stopped", loop_.now_ms());
}

void SignalNode::set_address(const std::string& address) {
  if (address == address_) return;
  address_ = address;
  if (signaling_ && !stopped_) signaling_->set_address(address_);
}

nlohmann::json SignalNode::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  std::size_t connected = 0;
  if (signaling_) {
    for (const auto& b : signaling_->brokers()) {
      connected += b.state == MqttState::connected ? 1 : 0;
      list.push_back({{"broker", b.broker},
                      {"state", broker_state_name(b.state)},
                      {"last_error", b.last_error},
                      {"failures", b.failures},
                      {"connects", b.connects},
                      {"reconnects", b.connects > 0 ? b.connects - 1 : 0},
                      {"since_ms", b.since_ms},
                      {"retry_in_ms", b.retry_in_ms}});
    }
  }
  return {{"connected", connected}, {"brokers", std::move(list)}};
}

void SignalNode::update_status() {
  if (!status_ || stopped_) return;
  const std::uint64_t now = loop_.now_ms();
  if (!signaling_) {
    status_->set("signaling", observe::Readiness::off, "no brokers configured (signaling.mqtt.brokers is empty)", now);
    return;
  }
  const auto infos = signaling_->brokers();
  std::size_t connected = 0, waiting = 0;
  std::string last_error;
  for (const auto& b : infos) {
    if (b.state == MqttState::connected) ++connected;
    if (b.state == MqttState::waiting) {
      ++waiting;
      if (last_error.empty()) last_error = b.last_error;
    }
  }
  const std::string of = std::to_string(infos.size());
  if (connected > 0)
    status_->set("signaling", observe::Readiness::ready,
                 "connected to " + std::to_string(connected) + " of " + of + " broker(s)", now);
  else if (waiting > 0)
    status_->set("signaling", observe::Readiness::degraded, "no broker connected: " + last_error, now);
  else
    status_->set("signaling", observe::Readiness::starting, "connecting to " + of + " broker(s)", now);
}

}  // namespace p2pd::signaling
