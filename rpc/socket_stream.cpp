#include "rpc/socket_stream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "core/net/endpoint.hpp"

namespace p2pd::rpc {

namespace {

bool wait_for(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    int rc = ::poll(&p, 1, timeout_ms);
    if (rc < 0 && errno == EINTR) continue;
    return rc > 0 && (p.revents & (events | POLLHUP | POLLERR)) != 0;
  }
}

void ip_and_port(const sockaddr_storage& ss, std::string& ip, int& port) {
  if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) {
    ip.clear();  // unix socket: no address
    port = 0;
    return;
  }
  auto ep = net::Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss));
  ip = ep.address.to_string();
  port = ep.port;
}

}  // namespace

SocketStream::SocketStream(int fd, time_t read_timeout_s, time_t write_timeout_s)
    : fd_(fd),
      read_timeout_ms_(static_cast<int>(read_timeout_s * 1000)),
      write_timeout_ms_(static_cast<int>(write_timeout_s * 1000)) {}

bool SocketStream::is_readable() const { return wait_for(fd_, POLLIN, read_timeout_ms_); }
bool SocketStream::is_writable() const { return wait_for(fd_, POLLOUT, write_timeout_ms_); }

ssize_t SocketStream::read(char* ptr, size_t size) {
  if (!is_readable()) return -1;
  for (;;) {
    ssize_t n = ::recv(fd_, ptr, size, 0);
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

ssize_t SocketStream::write(const char* ptr, size_t size) {
  if (!is_writable()) return -1;
  for (;;) {
    ssize_t n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

void SocketStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) ss.ss_family = AF_UNSPEC;
  ip_and_port(ss, ip, port);
}

void SocketStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) ss.ss_family = AF_UNSPEC;
  ip_and_port(ss, ip, port);
}

bool wait_readable(int fd, int timeout_ms) { return wait_for(fd, POLLIN, timeout_ms); }

}  // namespace p2pd::rpc
