#include "rpc/client_connection.hpp"

#include <poll.h>

#include <cerrno>

namespace p2pd::rpc {

namespace {
thread_local int t_request_fd = -1;
}  // namespace

bool client_connection_closed() {
  if (t_request_fd < 0) return false;
  pollfd p{t_request_fd, POLLRDHUP, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, 0);
  } while (rc < 0 && errno == EINTR);
  return rc > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

ClientConnectionScope::ClientConnectionScope(int fd) : previous_(t_request_fd) { t_request_fd = fd; }
ClientConnectionScope::~ClientConnectionScope() { t_request_fd = previous_; }

}  // namespace p2pd::rpc
