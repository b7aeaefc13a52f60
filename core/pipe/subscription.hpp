#pragma once
// A subscription of a pipe: a filter plus either a bounded queue (pull style: REST
// long polls, try_recv) or a callback (push style, for C++ users). Every pipe has the
// subscription "all" (no filter), P2PD's default; others are added and removed.
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "core/pipe/message_filter.hpp"
#include "core/pipe/message_queue.hpp"
#include "core/result.hpp"

namespace p2pd::pipe {

inline constexpr const char* kDefaultSub = "all";

using MessageFn = std::function<void(const MessagePtr&)>;

struct SubscriptionSpec {
  std::string id;                       // empty: the pipe picks "s1", "s2", ...
  FilterSpec filter;
  std::optional<QueueBounds> bounds;    // default: the pipe limits
  std::optional<Overflow> overflow;     // default: block for streams, drop_oldest for datagrams
  MessageFn callback;                   // set: push style, no queue
};

// One pending pull (a REST long poll waiting for a message).
struct PullWaiter {
  // Hands over the message (or the error); false if the caller gave up meanwhile, in
  // which case a message stays queued.
  std::function<bool(Result<MessagePtr>)> deliver;
  std::function<bool()> abandoned;      // true once the caller gave up
};

struct Subscription {
  std::string id;
  MessageFilter filter;
  MessageQueue queue;
  std::optional<Overflow> overflow;     // as asked; see Pipe::overflow_for
  MessageFn callback;
  std::deque<PullWaiter> waiters;
  std::uint64_t matched = 0;
  bool removed = false;
};

struct SubscriptionInfo {
  std::string id;
  FilterSpec filter;
  QueueBounds bounds;
  QueueStats queue;
  std::string overflow;                 // "block" | "drop_oldest" | "callback"
  std::uint64_t matched = 0;
  std::uint64_t regex_limit_hits = 0;
  std::size_t waiting = 0;              // pulls waiting now
};

}  // namespace p2pd::pipe
