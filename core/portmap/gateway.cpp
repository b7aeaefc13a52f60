#include "core/portmap/gateway.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace p2pd::portmap {

Result<net::IpAddress> source_address_toward(const net::IpAddress& to) {
  const int domain = to.family == net::Family::v4 ? AF_INET : AF_INET6;
  const int fd = ::socket(domain, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error("io_error", std::string("socket: ") + std::strerror(errno));
  sockaddr_storage ss{};
  const socklen_t len = net::Endpoint{to, kGatewayPort}.to_sockaddr(ss);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    const int err = errno;
    ::close(fd);
    return make_error("unreachable", "no route to " + to.to_string() + ": " + std::strerror(err));
  }
  sockaddr_storage local{};
  socklen_t local_len = sizeof(local);
  const int rc = ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return make_error("io_error", std::string("getsockname: ") + std::strerror(err));
  return net::Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&local)).address;
}

Result<Gateway> default_gateway(const net::Snapshot& snapshot, net::Family family) {
  const auto& route = snapshot.default_route(family);
  const char* name = family == net::Family::v4 ? "IPv4" : "IPv6";
  if (!route) return make_error("no_gateway", std::string("no ") + name + " default route");
  if (!route->gateway)
    return make_error("no_gateway", std::string("the ") + name + " default route has no gateway address");
  auto local = source_address_toward(*route->gateway);
  if (!local) return local.error();
  Gateway g;
  g.server = net::Endpoint{*route->gateway, kGatewayPort};
  g.local = *local;
  if (const auto* itf = snapshot.find(route->index)) g.interface = itf->name;
  return g;
}

}  // namespace p2pd::portmap
