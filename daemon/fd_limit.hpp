#pragma once
// The daemon's open-file limit. Every pipe, server socket, forward and API connection
// is a file descriptor, and the common default soft limit (1024) is far below what the
// pipe manager allows (65536 pipes), so at start the soft limit is raised to the hard
// one (capped at kMaxOpenFiles). A hard limit below that is left as it is: that is the
// administrator's choice (systemd/p2pd.service sets LimitNOFILE=65536).
#include <cstdint>

namespace p2pd::daemon {

inline constexpr std::uint64_t kMaxOpenFiles = 1 << 20;

struct FdLimit {
  std::uint64_t before = 0;  // the soft limit at start
  std::uint64_t now = 0;     // the soft limit after raising it
  std::uint64_t hard = 0;
  int error = 0;             // errno of a failed getrlimit/setrlimit, else 0
};

FdLimit raise_fd_limit();

}  // namespace p2pd::daemon
