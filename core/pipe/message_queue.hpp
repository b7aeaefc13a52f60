#pragma once
// A bounded FIFO of messages (docs/ARCHITECTURE.md, "Pipes: queues and backpressure").
// Bounded by a message count and a byte total. What happens at the bound is the
// owner's choice, made per push:
//  - drop_oldest: the oldest messages are dropped (and counted) to make room — the
//    rule for datagrams, which cannot be paused;
//  - block: the message is kept (the queue may overshoot by that one message) and the
//    caller learns the queue is now full, so it pauses reading its socket until a pop
//    makes room — TCP backpressure.
// No I/O, no clock: unit-tested alone.
#include <cstddef>
#include <cstdint>
#include <deque>

#include "core/pipe/message.hpp"

namespace p2pd::pipe {

enum class Overflow { drop_oldest, block };

struct QueueBounds {
  std::size_t max_messages = 1024;
  std::size_t max_bytes = 1024 * 1024;
};

struct QueueStats {
  std::size_t messages = 0;
  std::size_t bytes = 0;
  std::uint64_t pushed = 0;           // messages ever accepted
  std::uint64_t popped = 0;           // messages handed to a reader
  std::uint64_t dropped_messages = 0;
  std::uint64_t dropped_bytes = 0;
};

class MessageQueue {
 public:
  explicit MessageQueue(QueueBounds bounds = {}) : bounds_(bounds) {}

  // Adds a message. drop_oldest makes room first (a message larger than max_bytes
  // alone is itself dropped); block always keeps it. Returns false if `m` was dropped.
  bool push(MessagePtr m, Overflow overflow);

  // The oldest message, or null when empty.
  const MessagePtr& front() const;
  MessagePtr pop();
  bool empty() const { return items_.empty(); }

  // At or over a bound: a blocking producer should pause.
  bool full() const { return items_.size() >= bounds_.max_messages || bytes_ >= bounds_.max_bytes; }

  // A message handed straight to a waiting reader, never stored: counted as pushed
  // and popped so that the stats tell the whole story.
  void note_handed() {
    ++pushed_;
    ++popped_;
  }

  void clear();  // drops everything (not counted as drops: the reader asked for it)
  const QueueBounds& bounds() const { return bounds_; }
  QueueStats stats() const;

 private:
  void drop_front();

  QueueBounds bounds_;
  std::deque<MessagePtr> items_;
  std::size_t bytes_ = 0;
  std::uint64_t pushed_ = 0;
  std::uint64_t popped_ = 0;
  std::uint64_t dropped_messages_ = 0;
  std::uint64_t dropped_bytes_ = 0;
};

}  // namespace p2pd::pipe
