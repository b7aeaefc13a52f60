#pragma once
// A NETLINK_ROUTE socket: non-blocking, close-on-exec, closed by its destructor. Used
// for one-shot dumps (the snapshot reader) and, subscribed to groups, by NetlinkMonitor.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "core/net/netlink_message.hpp"
#include "core/result.hpp"

namespace p2pd::net {

class NetlinkSocket {
 public:
  // groups: RTMGRP_* bits to subscribe to (0 for a socket used only for dumps).
  static Result<NetlinkSocket> open(std::uint32_t groups = 0);

  NetlinkSocket(NetlinkSocket&& other) noexcept;
  NetlinkSocket& operator=(NetlinkSocket&& other) noexcept;
  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;
  ~NetlinkSocket();

  int fd() const { return fd_; }

  // Sends an RTM_GET* dump request for `family` (AF_UNSPEC, AF_INET, AF_INET6) and
  // calls on_message for every reply message until NLMSG_DONE. The kernel fills the
  // reply while we read it, so no read waits; a reply that stops early is an Error.
  // A dump the kernel marks inconsistent (NLM_F_DUMP_INTR: the table changed under
  // it) ends with code "interrupted": start it again.
  using MessageFn = std::function<Status(const NetlinkMessage&)>;
  Status dump(std::uint16_t type, std::uint8_t family, const MessageFn& on_message);

  // One non-blocking read of a datagram, valid until the next call. std::nullopt when
  // nothing is pending; an empty span for a datagram that was dropped because the
  // kernel did not send it. Error code "overrun" when the kernel dropped messages for
  // us (ENOBUFS) or one did not fit: whatever it said is lost, so re-read the state.
  Result<std::optional<std::span<const std::uint8_t>>> receive();

 private:
  explicit NetlinkSocket(int fd) : fd_(fd) {}
  int fd_ = -1;
  std::uint32_t seq_ = 0;
  std::vector<std::uint8_t> buffer_;
};

}  // namespace p2pd::net
