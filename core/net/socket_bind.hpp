#pragma once
// Sockets bound to a chosen local address, ready to hand to libuv
// (uv_udp_open / uv_tcp_open): non-blocking, close-on-exec, IPV6_V6ONLY on IPv6,
// link-local IPv6 bound with its scope id.
#include <string>

#include "core/net/endpoint.hpp"
#include "core/result.hpp"

namespace p2pd::net {

enum class SocketType { udp, tcp };

struct BindOptions {
  SocketType type = SocketType::udp;
  // SO_BINDTODEVICE: pin the socket to this interface, for an address that exists on
  // several interfaces. Also supplies the scope of a link-local address given without one.
  std::string device;
  // SO_REUSEPORT, for sockets that must share a port (TCP hole punching: a listener
  // and connectors on one local port).
  bool reuse_port = false;
};

// Creates and binds a socket to `local` (port 0: the kernel picks one). TCP sockets get
// SO_REUSEADDR (a restarted listener rebinds over TIME_WAIT). The caller owns the fd.
// Errors read "bind 192.0.2.1:0: Cannot assign requested address", with codes
// "address_unavailable", "address_in_use", "permission_denied", "no_such_interface",
// "family_unsupported", "bad_request" (link-local without scope) or "io_error".
Result<int> bind_socket(const Endpoint& local, const BindOptions& options = {});

// The address a socket is bound to (getsockname).
Result<Endpoint> local_endpoint(int fd);

}  // namespace p2pd::net
