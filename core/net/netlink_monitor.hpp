#pragma once
// Tells when interfaces, addresses or routes change: a NETLINK_ROUTE socket subscribed
// to link, IPv4/IPv6 address and IPv4/IPv6 route notifications. No libuv here: the
// owner polls fd() for readability (uv_poll_t) and calls drain(); when it returns
// true, re-read the state with read_snapshot() (debounced: changes come in bursts).
#include "core/net/netlink_socket.hpp"
#include "core/result.hpp"

namespace p2pd::net {

class NetlinkMonitor {
 public:
  static Result<NetlinkMonitor> open();

  int fd() const { return socket_.fd(); }

  // Reads what is pending without blocking (at most a bounded number of datagrams per
  // call; the fd stays readable if more remain). True if any of it is a change worth a
  // new snapshot: a link, an address, or a main-table route added or removed, or a
  // lost notification (queue overrun).
  bool drain();

 private:
  explicit NetlinkMonitor(NetlinkSocket socket) : socket_(std::move(socket)) {}
  NetlinkSocket socket_;
};

}  // namespace p2pd::net
