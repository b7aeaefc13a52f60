#pragma once
// Signaling's private parts, shared by signaling.cpp and signaling_address.cpp.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/loop/timer.hpp"
#include "core/observe/metrics.hpp"
#include "core/signal/mqtt_connection.hpp"
#include "core/signal/signaling.hpp"

namespace p2pd::signaling {

struct Signaling::Connection {
  std::string broker;  // "host:port"
  std::unique_ptr<MqttConnection> mqtt;
};

struct Signaling::Pending {
  explicit Pending(loop::Loop& loop) : deadline(loop), resend(loop) {}
  PublicKey to{};
  std::string type;
  Payload payload;
  Done done;
  loop::Timer deadline;
  loop::Timer resend;  // 1 s tick; resends on ticks 1, 2, 4, 8...
  std::uint32_t ticks = 0;
};

struct Signaling::Fetch {
  explicit Fetch(loop::Loop& loop) : deadline(loop), grace(loop) {}
  std::vector<AddressDone> waiters;
  std::optional<std::uint64_t> best_ms;  // timestamp of the newest valid record
  std::string best;
  loop::Timer deadline;
  loop::Timer grace;  // after the first valid record, a short wait for newer ones
};

struct Signaling::Counters {
  explicit Counters(observe::Registry& r);
  observe::Counter& for_reason(const std::string& code);  // open()'s error codes
  observe::Counter& sent;
  observe::Counter& accepted;
  observe::Counter& duplicate;
  observe::Counter& stale;
  observe::Counter& future;
  observe::Counter& malformed;
  observe::Counter& undecryptable;
  observe::Counter& wrong_recipient;
  observe::Counter& bad_signature;
  observe::Counter& unexpected;  // responses nobody waits for, notices nobody handles
};

}  // namespace p2pd::signaling
