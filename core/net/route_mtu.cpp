#include "core/net/route_mtu.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace p2pd::net {

Result<int> route_mtu(const Endpoint& remote) {
  bool v6 = remote.address.family == Family::v6;
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{"io_error", std::string("route mtu: socket: ") + std::strerror(errno)};
  sockaddr_storage ss{};
  socklen_t len = remote.to_sockaddr(ss);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    int e = errno;
    ::close(fd);
    bool no_route = e == ENETUNREACH || e == EHOSTUNREACH || e == EADDRNOTAVAIL;
    return Error{no_route ? "unreachable" : "io_error",
                 "route mtu: connect " + remote.to_string() + ": " + std::strerror(e)};
  }
  int mtu = 0;
  socklen_t mlen = sizeof mtu;
  int rc = v6 ? ::getsockopt(fd, IPPROTO_IPV6, IPV6_MTU, &mtu, &mlen) : ::getsockopt(fd, IPPROTO_IP, IP_MTU, &mtu, &mlen);
  int e = errno;
  ::close(fd);
  if (rc != 0) return Error{"io_error", "route mtu: getsockopt " + remote.to_string() + ": " + std::strerror(e)};
  return mtu;
}

std::size_t udp_payload_for_mtu(Family family, int mtu) {
  if (family == Family::v6) return static_cast<std::size_t>(std::clamp(mtu - 48, 0, 65527));
  return static_cast<std::size_t>(std::clamp(mtu - 28, 0, 65507));
}

}  // namespace p2pd::net
