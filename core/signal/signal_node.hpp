#pragma once
// What the daemon owns for signaling: a Signaling over the configured brokers (none: the
// subsystem is off), rebuilt when the broker list changes (SIGHUP); the "signaling"
// status line (off, starting, ready with how many brokers are connected, degraded with
// the last error when none is); the per-broker view of /v1/status; our address, kept
// across rebuilds and published by every Signaling it makes. Loop thread only.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/loop/loop.hpp"
#include "core/observe/metrics.hpp"
#include "core/observe/status_board.hpp"
#include "core/signal/signaling.hpp"

namespace p2pd::signaling {

// "connected", "connecting" (also while the MQTT handshake runs), "backoff" (waiting
// before the next attempt), "stopped".
std::string_view broker_state_name(MqttState s);

class SignalNode {
 public:
  // `status` may be null.
  SignalNode(loop::Loop& loop, KeyPair keys, observe::Registry& metrics, observe::StatusBoard* status);
  ~SignalNode();
  SignalNode(const SignalNode&) = delete;
  SignalNode& operator=(const SignalNode&) = delete;

  // Connects to `brokers` (none: off). Called again with a different list, the running
  // Signaling is stopped (its pending requests fail with "shutting_down") and a new one
  // made; the same list changes nothing.
  void set_brokers(std::vector<BrokerAddress> brokers);
  void stop();

  // Null while there is no broker configured or after stop().
  Signaling* signaling() { return signaling_.get(); }
  const std::vector<BrokerAddress>& configured() const { return brokers_; }

  // Our address, published retained (signed) by this and every later Signaling.
  void set_address(const std::string& address);

  // {"connected":N,"brokers":[{"broker","state","last_error","failures","connects",
  //  "reconnects","since_ms","retry_in_ms"}, ...]} (docs/API.md, "Signaling").
  nlohmann::json to_json() const;

 private:
  void update_status();

  loop::Loop& loop_;
  KeyPair keys_;
  observe::Registry& metrics_;
  observe::StatusBoard* status_;
  std::vector<BrokerAddress> brokers_;
  std::unique_ptr<Signaling> signaling_;
  std::string address_;
  bool stopped_ = false;
};

}  // namespace p2pd::signaling
