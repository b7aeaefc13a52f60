#pragma once
// One MQTT broker connection, libmosquitto driven from the loop: the blocking
// mosquitto_connect (DNS, TCP connect) runs on the threadpool (loop::Work); after that
// the socket is watched by a loop::Poll (READABLE, plus WRITABLE while libmosquitto has
// bytes queued) and a 1 s loop::Timer runs mosquitto_loop_misc (keepalive). No
// mosquitto thread. A lost or failed connection is retried with exponential backoff
// (with jitter) until stop().
//
// Loop thread only. Handlers run on the loop thread, never inside a libmosquitto call
// (what a read produced is delivered after it returns): they may publish, subscribe or
// stop() this connection, but must not destroy it.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/poll.hpp"
#include "core/loop/timer.hpp"
#include "core/loop/work.hpp"
#include "core/result.hpp"

namespace p2pd::signaling {

struct MqttOptions {
  std::string host;
  std::uint16_t port = 1883;
  int keepalive_s = 20;
  std::uint64_t handshake_timeout_ms = 10000;  // TCP up, no CONNACK: drop and retry
  std::uint64_t backoff_min_ms = 500;
  std::uint64_t backoff_max_ms = 15000;
};

struct MqttHandlers {
  std::function<void()> connected;                      // CONNACK accepted
  std::function<void(const std::string& reason)> lost;  // after being connected
  std::function<void()> state_changed;                  // any change of state()
  std::function<void(const std::string& topic, std::span<const std::uint8_t> payload, bool retained)> message;
};

enum class MqttState { idle, connecting, handshaking, connected, waiting, stopped };
std::string_view mqtt_state_name(MqttState s);  // "idle", "connecting", ...

class MqttConnection {
 public:
  MqttConnection(loop::Loop& loop, MqttOptions options, MqttHandlers handlers);
  ~MqttConnection();
  MqttConnection(const MqttConnection&) = delete;
  MqttConnection& operator=(const MqttConnection&) = delete;

  void start();  // first attempt now
  void stop();   // DISCONNECT if connected, close everything, no more retries

  // QoS 0 or 1. Errors when not connected ("unreachable") or libmosquitto refuses.
  Status publish(const std::string& topic, std::span<const std::uint8_t> payload, int qos, bool retain);
  Status subscribe(const std::string& topic, int qos);
  Status unsubscribe(const std::string& topic);

  MqttState state() const { return state_; }
  bool connected() const { return state_ == MqttState::connected; }
  const MqttOptions& options() const { return options_; }
  std::string broker() const;                         // "host:port"
  const std::string& last_error() const { return last_error_; }
  std::uint32_t failures() const { return failures_; }  // attempts failed since the last success
  std::uint64_t connects() const { return connects_; }  // successful connections so far
  std::uint64_t state_since_ms() const { return since_ms_; }
  std::uint64_t retry_at_ms() const { return retry_at_ms_; }  // loop clock, when waiting

  struct Box;  // the mosquitto object, shared with a connect job still running

 private:
  friend struct MqttCallbacks;
  void set_state(MqttState s);
  void attempt();
  void on_connect_done(Result<std::pair<int, int>> r);
  void on_ready(int status, int events);
  void on_misc();
  void deliver();       // hands what the last read produced to the handlers
  void after_io();      // notices a closed socket, updates the poll's events
  void update_events();  // READABLE, plus WRITABLE while libmosquitto has bytes queued
  void on_connack(int rc);
  void on_message(const std::string& topic, std::span<const std::uint8_t> payload, bool retained);
  void drop(const std::string& reason);  // closes the connection and schedules a retry
  void teardown();
  void schedule_retry();

  loop::Loop& loop_;
  MqttOptions options_;
  MqttHandlers handlers_;
  MqttState state_ = MqttState::idle;
  std::shared_ptr<Box> box_;
  loop::Work work_;
  loop::Poll poll_;
  int poll_fd_ = -1;     // our dup of libmosquitto's socket, watched by poll_
  int poll_events_ = 0;
  loop::Timer misc_;
  loop::Timer retry_;
  loop::Timer handshake_;
  struct Delivery {
    std::string topic;
    std::vector<std::uint8_t> payload;
    bool retained = false;
  };
  std::vector<Delivery> deliveries_;  // messages read, not yet handed to the handlers
  bool connected_pending_ = false;    // CONNACK read, handlers.connected not yet called
  std::string last_error_;
  std::uint32_t failures_ = 0;
  std::uint64_t connects_ = 0;
  std::uint64_t since_ms_ = 0;
  std::uint64_t retry_at_ms_ = 0;
};

}  // namespace p2pd::signaling
