#pragma once
// The bounds every pipe lives within (config "pipes" section, docs/API.md). Core has
// no config dependency: the daemon copies the config values here.
#include <cstddef>
#include <cstdint>

#include "core/pipe/message_queue.hpp"
#include "core/pipe/regex_matcher.hpp"

namespace p2pd::pipe {

struct PipeLimits {
  QueueBounds queue;                         // each subscription's queue
  std::size_t max_pipes = 65536;             // open pipes per manager
  std::size_t max_subs = 16;                 // subscriptions per pipe (besides "all")
  std::size_t max_message = 65536;           // longest line before it is cut (line framing)
  std::size_t send_backlog = 4 * 1024 * 1024;// unsent bytes a pipe accepts before "busy"
  std::size_t max_udp_senders = 4096;        // sender pipes per UDP server socket
  std::uint64_t udp_idle_ms = 120000;        // a silent UDP sender pipe expires
  std::uint64_t connect_timeout_ms = 5000;   // opening a TCP pipe
  std::uint64_t linger_ms = 30000;           // a pipe whose remote closed keeps unread messages
  std::uint64_t close_linger_ms = 5000;      // a closed TCP socket still flushing is given up after this long without progress
  std::size_t relay_high_water = 1024 * 1024;// forward/tunnel buffering before pausing a side
  std::size_t relay_low_water = 256 * 1024;
  std::uint64_t half_close_ms = 10000;       // a half-closed relay idle this long is ended
  bool answer_test_string = true;            // servers answer P2PD's test string
  RegexLimits regex;
};

}  // namespace p2pd::pipe
