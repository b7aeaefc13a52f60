#include "core/pipe/message_queue.hpp"

namespace p2pd::pipe {

namespace {
const MessagePtr kNone;
}

bool MessageQueue::push(MessagePtr m, Overflow overflow) {
  const std::size_t size = m->data.size();
  if (overflow == Overflow::drop_oldest) {
    if (size > bounds_.max_bytes || bounds_.max_messages == 0) {
      ++dropped_messages_;
      dropped_bytes_ += size;
      return false;
    }
    while (!items_.empty() && (items_.size() + 1 > bounds_.max_messages || bytes_ + size > bounds_.max_bytes))
      drop_front();
  }
  bytes_ += size;
  items_.push_back(std::move(m));
  ++pushed_;
  return true;
}

const MessagePtr& MessageQueue::front() const { return items_.empty() ? kNone : items_.front(); }

MessagePtr MessageQueue::pop() {
  if (items_.empty()) return nullptr;
  MessagePtr m = std::move(items_.front());
  items_.pop_front();
  bytes_ -= m->data.size();
  ++popped_;
  return m;
}

void MessageQueue::clear() {
  items_.clear();
  bytes_ = 0;
}

void MessageQueue::drop_front() {
  bytes_ -= items_.front()->data.size();
  dropped_bytes_ += items_.front()->data.size();
  ++dropped_messages_;
  items_.pop_front();
}

QueueStats MessageQueue::stats() const {
  return QueueStats{items_.size(), bytes_, pushed_, popped_, dropped_messages_, dropped_bytes_};
}

}  // namespace p2pd::pipe
