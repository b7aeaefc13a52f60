#include "daemon/pipe_config.hpp"

#include <cstddef>

namespace p2pd::daemon {

pipe::PipeLimits pipe_limits(const config::Pipes& pipes) {
  pipe::PipeLimits limits;  // what the config does not name keeps core's defaults
  limits.queue.max_messages = static_cast<std::size_t>(pipes.queue_messages);
  limits.queue.max_bytes = static_cast<std::size_t>(pipes.queue_bytes);
  limits.max_pipes = static_cast<std::size_t>(pipes.max_pipes);
  limits.max_subs = static_cast<std::size_t>(pipes.max_subs);
  limits.send_backlog = static_cast<std::size_t>(pipes.send_backlog);
  limits.max_udp_senders = static_cast<std::size_t>(pipes.max_udp_senders);
  limits.connect_timeout_ms = static_cast<std::uint64_t>(pipes.connect_timeout_ms);
  limits.relay_high_water = static_cast<std::size_t>(pipes.relay_buffer);
  limits.relay_low_water = limits.relay_high_water / 4;  // resume once a quarter is left
  return limits;
}

}  // namespace p2pd::daemon
