#pragma once
// Driving a loop in unit tests: run it until a condition holds, with a deadline. A
// periodic tick keeps run_once() from sleeping forever when nothing else is pending.
#include <cstdint>

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"

namespace p2pd::testing {

// Runs the loop until `done()` holds or `ms` pass; false on timeout.
template <class F>
bool run_loop_until(loop::Loop& loop, F done, std::uint64_t ms, std::uint64_t tick_ms) {
  const std::uint64_t until = loop.now_ms() + ms;
  loop::Timer tick(loop);
  tick.start(tick_ms, tick_ms, [] {});
  while (!done()) {
    if (loop.now_ms() > until) return false;
    loop.run_once();
  }
  return true;
}

}  // namespace p2pd::testing
