#include "daemon/fd_limit.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>

namespace p2pd::daemon {

FdLimit raise_fd_limit() {
  FdLimit out;
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    out.error = errno;
    return out;
  }
  out.before = out.now = rl.rlim_cur;
  out.hard = rl.rlim_max;
  rlim_t want = rl.rlim_max == RLIM_INFINITY ? kMaxOpenFiles : std::min<rlim_t>(rl.rlim_max, kMaxOpenFiles);
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= want) return out;
  rl.rlim_cur = want;
  if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    out.error = errno;
    return out;
  }
  out.now = want;
  return out;
}

}  // namespace p2pd::daemon
