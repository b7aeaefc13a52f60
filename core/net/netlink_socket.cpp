#include "core/net/netlink_socket.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

namespace p2pd::net {
namespace {

// Kernel dump datagrams are at most 32 KiB; anything larger is reported as truncated.
constexpr std::size_t kBufferSize = 64 * 1024;
// A bound on one dump's datagrams (each holds hundreds of entries).
constexpr int kMaxDumpDatagrams = 4096;
constexpr int kNotifyRcvBuf = 1 << 20;

std::string errno_text(int err) { return std::error_code(err, std::system_category()).message(); }

Error sys_error(const char* what, int err) {
  return make_error("io_error", std::string("netlink ") + what + ": " + errno_text(err));
}

// The request body of an RTM_GET* dump: the message's own header with only the family set.
std::size_t request_body(std::uint16_t type, std::uint8_t family, std::uint8_t* body) {
  switch (type) {
    case RTM_GETLINK: {
      ifinfomsg m{};
      m.ifi_family = family;
      std::memcpy(body, &m, sizeof m);
      return sizeof m;
    }
    case RTM_GETADDR: {
      ifaddrmsg m{};
      m.ifa_family = family;
      std::memcpy(body, &m, sizeof m);
      return sizeof m;
    }
    default: {
      rtmsg m{};
      m.rtm_family = family;
      std::memcpy(body, &m, sizeof m);
      return sizeof m;
    }
  }
}

}  // namespace

Result<NetlinkSocket> NetlinkSocket::open(std::uint32_t groups) {
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return sys_error("socket", errno);
  NetlinkSocket sock(fd);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  local.nl_groups = groups;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) return sys_error("bind", errno);
  if (groups != 0) {
    // A burst of changes (a VPN coming up) must not overrun the queue; capped by
    // net.core.rmem_max, and an overrun is still handled.
    int size = kNotifyRcvBuf;
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  sock.buffer_.resize(kBufferSize);
  return sock;
}

NetlinkSocket::NetlinkSocket(NetlinkSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), seq_(other.seq_), buffer_(std::move(other.buffer_)) {}

NetlinkSocket& NetlinkSocket::operator=(NetlinkSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    seq_ = other.seq_;
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

NetlinkSocket::~NetlinkSocket() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::optional<std::span<const std::uint8_t>>> NetlinkSocket::receive() {
  using Out = std::optional<std::span<const std::uint8_t>>;
  sockaddr_nl from{};
  iovec iov{buffer_.data(), buffer_.size()};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  ssize_t n;
  do {
    n = ::recvmsg(fd_, &msg, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Out{};
    if (errno == ENOBUFS) return make_error("overrun", "netlink: receive queue overrun, messages lost");
    return sys_error("recvmsg", errno);
  }
  if (msg.msg_flags & MSG_TRUNC) return make_error("overrun", "netlink: message truncated");
  if (from.nl_pid != 0) return Out{std::span<const std::uint8_t>{}};  // not from the kernel
  return Out{std::span<const std::uint8_t>(buffer_.data(), static_cast<std::size_t>(n))};
}

Status NetlinkSocket::dump(std::uint16_t type, std::uint8_t family, const MessageFn& on_message) {
  alignas(nlmsghdr) std::uint8_t request[NLMSG_HDRLEN + 64] = {};
  std::size_t body = request_body(type, family, request + NLMSG_HDRLEN);
  nlmsghdr h{};
  h.nlmsg_len = static_cast<std::uint32_t>(NLMSG_LENGTH(body));
  h.nlmsg_type = type;
  h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  h.nlmsg_seq = ++seq_;
  std::memcpy(request, &h, sizeof h);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t sent;
  do {
    sent = ::sendto(fd_, request, h.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return sys_error("send", errno);

  bool interrupted = false;
  for (int i = 0; i < kMaxDumpDatagrams; ++i) {
    auto got = receive();
    if (!got) return got.error();
    if (!*got) return make_error("io_error", "netlink: dump reply stopped before its end");
    auto messages = split_messages(**got);
    if (!messages) return messages.error();
    for (const auto& m : *messages) {
      if (m.seq != h.nlmsg_seq) continue;  // a notification or a stale reply
      if (m.flags & NLM_F_DUMP_INTR) interrupted = true;
      if (m.type == NLMSG_DONE || m.type == NLMSG_ERROR) {
        // NLMSG_DONE may carry an error code too (a dump that failed part-way).
        auto code = m.payload.size() >= sizeof(int) ? parse_error_code(m.payload) : Result<int>(0);
        if (!code) return code.error();
        if (*code < 0) return make_error("io_error", "netlink dump: " + errno_text(-*code));
        if (m.type == NLMSG_ERROR) continue;  // an ACK
        if (interrupted) return make_error("interrupted", "netlink dump: table changed during the dump");
        return {};
      }
      if (m.type == NLMSG_NOOP || m.type == NLMSG_OVERRUN) continue;
      if (auto st = on_message(m); !st) return st;
    }
  }
  return make_error("too_large", "netlink dump: reply longer than " + std::to_string(kMaxDumpDatagrams) + " datagrams");
}

}  // namespace p2pd::net
