#include "core/net/socket_bind.hpp"

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace p2pd::net {
namespace {

std::string errno_text(int err) { return std::error_code(err, std::system_category()).message(); }

std::string_view errno_code(int err) {
  switch (err) {
    case EADDRNOTAVAIL: return "address_unavailable";
    case EADDRINUSE: return "address_in_use";
    case EACCES:
    case EPERM: return "permission_denied";
    case ENODEV: return "no_such_interface";
    case EAFNOSUPPORT:
    case EPROTONOSUPPORT: return "family_unsupported";
    default: return "io_error";
  }
}

Error failed(std::string_view step, const Endpoint& local, int err) {
  return make_error(std::string(errno_code(err)),
                    std::string(step) + " " + local.to_string() + ": " + errno_text(err));
}

// Closes the fd on every early return.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

bool set_int(int fd, int level, int name, int value) {
  return ::setsockopt(fd, level, name, &value, sizeof value) == 0;
}

}  // namespace

Result<int> bind_socket(const Endpoint& local, const BindOptions& options) {
  Endpoint where = local;
  bool v6 = where.address.family == Family::v6;
  if (v6 && where.address.is_link_local() && where.address.scope_id == 0) {
    if (!options.device.empty()) where.address.scope_id = ::if_nametoindex(options.device.c_str());
    if (where.address.scope_id == 0) {
      return make_error("bad_request", "bind " + local.to_string() +
                                           ": a link-local address needs a scope id (interface)");
    }
  }
  if (options.device.size() >= IF_NAMESIZE) {
    return make_error("no_such_interface", "bind " + where.to_string() + ": interface name too long");
  }

  bool tcp = options.type == SocketType::tcp;
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    tcp ? IPPROTO_TCP : IPPROTO_UDP);
  if (fd < 0) return failed("socket", where, errno);
  FdGuard guard(fd);

  if (v6 && !set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1)) return failed("IPV6_V6ONLY", where, errno);
  if (tcp && !set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1)) return failed("SO_REUSEADDR", where, errno);
  if (options.reuse_port && !set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1)) return failed("SO_REUSEPORT", where, errno);
  if (!options.device.empty() &&
      ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, options.device.c_str(),
                   static_cast<socklen_t>(options.device.size())) != 0) {
    int err = errno;
    return make_error(std::string(errno_code(err)), "bind " + where.to_string() + " to device " +
                                                        options.device + ": " + errno_text(err));
  }

  sockaddr_storage storage{};
  socklen_t len = where.to_sockaddr(storage);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), len) != 0) return failed("bind", where, errno);
  return guard.release();
}

Result<Endpoint> local_endpoint(int fd) {
  sockaddr_storage storage{};
  socklen_t len = sizeof storage;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &len) != 0) {
    return make_error("io_error", "getsockname: " + errno_text(errno));
  }
  if (storage.ss_family != AF_INET && storage.ss_family != AF_INET6) {
    return make_error("unsupported", "getsockname: not an IP socket");
  }
  return Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&storage));
}

}  // namespace p2pd::net
