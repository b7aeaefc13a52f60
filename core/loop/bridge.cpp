#include "core/loop/bridge.hpp"

#include <spdlog/spdlog.h>

namespace p2pd::loop {

Bridge::Bridge(Loop& loop) : async_(loop, [this] { drain(); }) {}

Bridge::~Bridge() { close(); }

void Bridge::close() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!open_) return;
    open_ = false;
    dropped.swap(queue_);
  }
  // Closing under no lock is safe: post() checks open_ under the lock before send().
  async_.close();
}

bool Bridge::post(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!open_) return false;
  queue_.push_back(std::move(fn));
  // uv_async_send coalesces wake-ups; sending under the lock keeps close() from
  // racing with it.
  async_.send();
  return true;
}

void Bridge::drain() {
  std::deque<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    batch.swap(queue_);
  }
  for (auto& fn : batch) {
    try {
      fn();
    } catch (const std::exception& e) {
      spdlog::error("bridge: task threw: {}", e.what());
    }
  }
}

}  // namespace p2pd::loop
