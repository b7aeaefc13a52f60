#pragma once
// The daemon's event stream (GET /v1/events): subsystems publish (type, JSON) on the
// loop thread; events get sequence numbers from 1 and live in a bounded ring, so memory
// stays fixed however slow a reader is. A reader asks for what follows the last
// sequence it saw; if that fell out of the ring it learns how many it missed. Waiting
// readers (long-lived HTTP streams, through the bridge) are woken on publish and when
// the bus closes at shutdown. Loop thread only.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace p2pd::observe {

struct Event {
  std::uint64_t seq = 0;
  std::uint64_t at_ms = 0;   // loop clock
  std::string type;          // "pipe.opened", "server.started", ...
  nlohmann::json data;
};

struct EventBatch {
  std::vector<Event> events;
  std::uint64_t missed = 0;    // events after `after` that the ring no longer holds
  std::uint64_t last_seq = 0;  // the newest sequence published so far
  bool closed = false;         // the bus is closed: no more events will come
};

struct EventWaiter {
  std::function<bool()> wake;       // runs once; false if the reader is gone
  std::function<bool()> abandoned;  // true once the reader gave up
};

class EventBus {
 public:
  explicit EventBus(std::size_t capacity = 1024) : capacity_(capacity == 0 ? 1 : capacity) {}

  std::uint64_t publish(std::string type, nlohmann::json data, std::uint64_t now_ms);

  // At most `max` events with seq > after.
  EventBatch read(std::uint64_t after, std::size_t max) const;
  // Wakes `waiter` once something newer than `after` exists (at once if it does) or
  // the bus closes.
  void wait(std::uint64_t after, EventWaiter waiter);
  void close();  // wakes every waiter; later publishes are dropped

  bool closed() const { return closed_; }
  std::uint64_t last_seq() const { return next_seq_ - 1; }
  std::size_t waiting() const { return waiters_.size(); }

 private:
  std::size_t capacity_;
  std::deque<Event> ring_;
  std::uint64_t next_seq_ = 1;
  std::vector<EventWaiter> waiters_;
  bool closed_ = false;
};

}  // namespace p2pd::observe
