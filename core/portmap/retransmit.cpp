#include "core/portmap/retransmit.hpp"

#include <algorithm>

namespace p2pd::portmap {

Schedule natpmp_schedule(std::uint64_t total_ms) {
  Schedule s;
  s.initial_ms = 250;
  s.max_sends = 9;
  s.total_ms = total_ms;
  return s;
}

Schedule pcp_schedule(std::uint64_t total_ms) {
  Schedule s;
  s.initial_ms = 250;
  s.max_wait_ms = 1024'000;
  s.total_ms = total_ms;
  s.jitter = 0.1;
  return s;
}

std::uint64_t next_wait_ms(const Schedule& schedule, std::uint64_t previous_ms, double rand) {
  const double scale = 1.0 + std::clamp(rand, -1.0, 1.0) * schedule.jitter;
  double wait = previous_ms == 0 ? static_cast<double>(schedule.initial_ms) : 2.0 * static_cast<double>(previous_ms);
  wait *= scale;
  if (schedule.max_wait_ms != 0) wait = std::min(wait, static_cast<double>(schedule.max_wait_ms) * scale);
  return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(wait));
}

}  // namespace p2pd::portmap
