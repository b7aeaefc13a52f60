#pragma once
#include <cstdint>
#include <functional>

#include "core/loop/handle.hpp"
#include "core/loop/loop.hpp"

namespace p2pd::loop {

namespace detail {
struct TimerBlock : BlockBase {
  uv_timer_t uv{};
  std::function<void()> on_fire;
};
}  // namespace detail

// A one-shot or repeating timer. Empty (default-constructed) until created.
class Timer : public detail::HandleOwner<detail::TimerBlock> {
 public:
  Timer() = default;
  explicit Timer(Loop& loop);

  // Fires after timeout_ms, then every repeat_ms if repeat_ms > 0. Restarting replaces
  // the callback and the schedule.
  void start(std::uint64_t timeout_ms, std::uint64_t repeat_ms, std::function<void()> on_fire);
  void stop();
  bool active() const;
};

}  // namespace p2pd::loop
