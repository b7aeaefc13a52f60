#include "core/observe/events.hpp"

#include <algorithm>

namespace p2pd::observe {

std::uint64_t EventBus::publish(std::string type, nlohmann::json data, std::uint64_t now_ms) {
  if (closed_) return 0;
  if (ring_.size() >= capacity_) ring_.pop_front();
  ring_.push_back(Event{next_seq_, now_ms, std::move(type), std::move(data)});
  ++next_seq_;
  auto waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& w : waiters) w.wake();
  return next_seq_ - 1;
}

EventBatch EventBus::read(std::uint64_t after, std::size_t max) const {
  EventBatch out;
  out.last_seq = last_seq();
  out.closed = closed_;
  if (ring_.empty() || after >= last_seq()) return out;
  std::uint64_t first = ring_.front().seq;
  if (after + 1 < first) out.missed = first - (after + 1);
  std::size_t start = after + 1 <= first ? 0 : static_cast<std::size_t>(after + 1 - first);
  for (std::size_t i = start; i < ring_.size() && out.events.size() < max; ++i) out.events.push_back(ring_[i]);
  return out;
}

void EventBus::wait(std::uint64_t after, EventWaiter waiter) {
  if (closed_ || after < last_seq()) {
    waiter.wake();
    return;
  }
  std::erase_if(waiters_, [](const EventWaiter& w) { return w.abandoned && w.abandoned(); });
  waiters_.push_back(std::move(waiter));
}

void EventBus::close() {
  closed_ = true;
  auto waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& w : waiters) w.wake();
}

}  // namespace p2pd::observe
