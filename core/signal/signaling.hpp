#pragma once
// MQTT signaling between daemons (docs/API.md, "Signaling"). Connects to every
// configured broker (MqttConnection each), subscribes to our inbox topic, and:
//  - sends sealed, signed messages over every connected broker (the receiver drops the
//    duplicates), with request/response matching by id, resends and timeouts;
//  - accepts a message once: sealed to us, signed by the key it claims, fresh, not seen;
//  - keeps our current peer address retained and signed on our address topic, and
//    fetches another peer's from its key alone.
// Loop thread only.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/observe/metrics.hpp"
#include "core/proto/signal_message.hpp"
#include "core/proto/signal_record.hpp"
#include "core/result.hpp"
#include "core/signal/key_pair.hpp"
#include "core/signal/mqtt_connection.hpp"
#include "core/signal/replay_guard.hpp"

namespace p2pd::signaling {

using Payload = std::vector<std::uint8_t>;
using proto::signaling::Kind;
using proto::signaling::Message;

struct BrokerAddress {
  std::string host;  // name or IP literal (no brackets)
  std::uint16_t port = 1883;
  friend bool operator==(const BrokerAddress&, const BrokerAddress&) = default;
};

struct SignalingOptions {
  std::vector<BrokerAddress> brokers;
  KeyPair keys;
  int keepalive_s = 20;
  std::uint64_t window_ms = 120000;  // accepted clock difference; replay memory
  std::uint64_t backoff_min_ms = 500;
  std::uint64_t backoff_max_ms = 15000;
  std::uint64_t address_grace_ms = 300;  // after the first address record, wait for newer ones
  std::function<std::uint64_t()> wall_clock_ms;  // default: system clock
};

// An accepted message and the broker it came through first.
struct Incoming {
  Message message;
  std::string broker;
};

struct BrokerInfo {
  std::string broker;            // "host:port"
  MqttState state = MqttState::idle;
  std::string last_error;
  std::uint32_t failures = 0;
  std::uint64_t connects = 0;
  std::uint64_t since_ms = 0;    // loop clock at the last change of state
  std::uint64_t retry_in_ms = 0; // when waiting
};

class Signaling;

// Answers one request (at most once; later calls do nothing). May be kept and used
// later on the loop thread; it does nothing once the Signaling is gone.
class Responder {
 public:
  Responder() = default;
  Status reply(std::string type, Payload payload);
  bool can_reply() const { return !done_ && !owner_.expired(); }

 private:
  friend class Signaling;
  Responder(std::weak_ptr<Signaling*> owner, PublicKey to, std::uint64_t id)
      : owner_(std::move(owner)), to_(to), id_(id) {}
  std::weak_ptr<Signaling*> owner_;
  PublicKey to_{};
  std::uint64_t id_ = 0;
  bool done_ = true;
};

class Signaling {
 public:
  Signaling(loop::Loop& loop, SignalingOptions options, observe::Registry& metrics);
  ~Signaling();
  Signaling(const Signaling&) = delete;
  Signaling& operator=(const Signaling&) = delete;

  void start();
  void stop();  // disconnects; pending requests and fetches fail with "shutting_down"

  const PublicKey& public_key() const { return options_.keys.public_key; }

  // Sends a request and calls done with the first response from `to` (or an Error:
  // "unreachable" when no broker is connected, "timeout"). Resent with a fresh nonce at
  // 1 s, 2 s, 4 s... while unanswered.
  using Done = std::function<void(Result<Incoming>)>;
  void request(const PublicKey& to, std::string type, Payload payload, std::chrono::milliseconds timeout, Done done);
  // A one-way message.
  Status notify(const PublicKey& to, std::string type, Payload payload);

  // Requests and notices of `type` go to `handler` (one per type; a later call replaces
  // it). A request without a handler is answered with type "error". Built in: "ping"
  // answers "pong" with the same payload.
  using Handler = std::function<void(const Incoming&, Responder)>;
  void handle(std::string type, Handler handler);

  // Our peer address, kept retained (signed) on our address topic of every broker, and
  // republished on every reconnect. Publishing again only when it changes.
  void set_address(const std::string& address);
  const std::string& address() const { return address_; }

  // The newest valid address record of `key` from the connected brokers: the address
  // string (already checked: it parses and carries `key`). "unreachable" without a
  // broker, "not_found" when none answers in time.
  using AddressDone = std::function<void(Result<std::string>)>;
  void fetch_address(const PublicKey& key, std::chrono::milliseconds timeout, AddressDone done);

  std::vector<BrokerInfo> brokers() const;
  std::size_t connected_count() const;
  std::size_t broker_count() const { return connections_.size(); }
  std::size_t pending_requests() const { return pending_.size(); }

  // Called after any broker changes state (for the status board).
  void set_on_change(std::function<void()> fn) { on_change_ = std::move(fn); }

 private:
  friend class Responder;
  struct Connection;
  struct Pending;
  struct Fetch;
  struct Counters;
  // Requests seen (sender, id), so that a resent one is not handled twice; the answer
  // given is sent again instead.
  using AnswerKey = std::pair<PublicKey, std::uint64_t>;
  struct Answer {
    bool answered = false;
    std::string type;
    Payload payload;
  };
  static constexpr std::size_t kMaxAnswered = 4096;

  std::uint64_t now_wall() const;
  Status answer(const PublicKey& to, std::uint64_t id, std::string type, Payload payload);
  void expire_answered();
  Status send(const PublicKey& to, Kind kind, std::uint64_t id, const std::string& type, const Payload& payload);
  void on_connected(Connection& c);
  void on_message(Connection& c, const std::string& topic, std::span<const std::uint8_t> payload);
  void on_envelope(Connection& c, std::span<const std::uint8_t> payload);
  void on_address_record(const PublicKey& key, std::span<const std::uint8_t> payload);
  void dispatch(Incoming in);
  void send_attempt(std::uint64_t id);
  void finish_request(std::uint64_t id, Result<Incoming> result);
  void finish_fetch(const PublicKey& key);
  void publish_address_on(Connection& c);

  loop::Loop& loop_;
  SignalingOptions options_;
  std::unique_ptr<Counters> counters_;
  std::vector<std::unique_ptr<Connection>> connections_;
  ReplayGuard guard_;
  std::map<std::string, Handler> handlers_;
  std::map<std::uint64_t, std::unique_ptr<Pending>> pending_;
  std::map<PublicKey, std::unique_ptr<Fetch>> fetches_;
  std::map<AnswerKey, Answer> answered_;
  std::deque<std::pair<std::uint64_t, AnswerKey>> answered_order_;  // loop ms when first seen
  std::uint64_t next_id_ = 1;
  std::string address_;
  std::vector<std::uint8_t> address_record_;  // serialized, signed
  std::function<void()> on_change_;
  std::shared_ptr<Signaling*> alive_;  // Responders hold a weak_ptr
  bool stopped_ = false;
};

}  // namespace p2pd::signaling
