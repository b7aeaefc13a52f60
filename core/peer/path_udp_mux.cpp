#include "core/peer/path_udp_mux.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/net/route_mtu.hpp"
#include "core/net/socket_bind.hpp"
#include "core/peer/path_udp.hpp"

namespace p2pd::peer {

namespace {
constexpr std::size_t kMaxBatch = 64;
}  // namespace

UdpMux::UdpMux(loop::Loop& loop, UdpMuxOptions options) : udp_(loop, /*recvmmsg=*/true), options_(options) {}

UdpMux::~UdpMux() {
  for (auto& [key, path] : paths_) path->detach();
}

Result<std::unique_ptr<UdpMux>> UdpMux::bind(loop::Loop& loop, const net::Endpoint& local,
                                             const UdpMuxOptions& options) {
  net::BindOptions bind_options;
  bind_options.type = net::SocketType::udp;
  auto fd = net::bind_socket(local, bind_options);
  if (!fd) return fd.error();
  int size = options.socket_buffer;
  if (size > 0) {
    setsockopt(*fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(*fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  std::unique_ptr<UdpMux> mux(new UdpMux(loop, options));
  if (auto st = mux->udp_.open(*fd); !st) {
    ::close(*fd);
    return st.error();
  }
  auto bound = mux->udp_.local_endpoint();
  if (!bound) return bound.error();
  mux->local_ = *bound;
  UdpMux* self = mux.get();
  auto st = mux->udp_.recv_start(
      [self](std::span<const std::uint8_t> bytes, const net::Endpoint& from) { self->on_datagram(bytes, from); },
      [self](Status error) { spdlog::debug("udp mux {}: {}", self->local_.to_string(), error.error().message); });
  if (!st) return st.error();
  return mux;
}

UdpMux::Key UdpMux::key_of(const net::Endpoint& e) {
  Key k{};
  std::memcpy(k.bytes, e.address.bytes, sizeof k.bytes);
  k.scope = e.address.scope_id;
  k.port = e.port;
  k.family = e.address.family == net::Family::v4 ? 4 : 6;
  return k;
}

void UdpMux::on_datagram(std::span<const std::uint8_t> bytes, const net::Endpoint& from) {
  ++stats_.received;
  auto it = paths_.find(key_of(from));
  if (it != paths_.end()) {
    it->second->deliver(bytes);  // may destroy the path: nothing of it is touched after
    return;
  }
  if (on_unknown_) on_unknown_(from, bytes);
  if (!has_path(from)) ++stats_.dropped_unknown;
}

bool UdpMux::has_path(const net::Endpoint& remote) const { return paths_.count(key_of(remote)) != 0; }

Result<std::unique_ptr<UdpPath>> UdpMux::open_path(const net::Endpoint& remote) {
  if (!udp_.is_open()) return Error{"closed", "udp mux is closed"};
  Key key = key_of(remote);
  if (paths_.count(key)) return Error{"in_use", "a path to " + remote.to_string() + " is open already"};
  std::unique_ptr<UdpPath> path(new UdpPath(*this, remote, datagram_size_for(remote)));
  paths_[key] = path.get();
  return path;
}

std::size_t UdpMux::datagram_size_for(const net::Endpoint& remote) const {
  std::size_t base = options_.max_datagram;
  if (options_.local_max_datagram == 0) return base;
  auto mtu = net::route_mtu(remote);
  if (!mtu || *mtu < net::kLoopbackRouteMtu) return base;
  return std::max(base, std::min(options_.local_max_datagram, net::udp_payload_for_mtu(remote.address.family, *mtu)));
}

void UdpMux::unregister(UdpPath* path) {
  auto it = paths_.find(key_of(path->remote_endpoint()));
  if (it != paths_.end() && it->second == path) paths_.erase(it);
}

Result<std::size_t> UdpMux::send_to(const net::Endpoint& remote,
                                    std::span<const std::span<const std::uint8_t>> datagrams) {
  int fd = udp_.fd();
  if (fd < 0) return Error{"closed", "udp mux is closed"};
  sockaddr_storage ss{};
  socklen_t sslen = remote.to_sockaddr(ss);
  std::size_t done = 0;
  mmsghdr msgs[kMaxBatch];
  iovec iovs[kMaxBatch];
  while (done < datagrams.size()) {
    std::size_t n = std::min(kMaxBatch, datagrams.size() - done);
    for (std::size_t i = 0; i < n; ++i) {
      auto d = datagrams[done + i];
      iovs[i] = {const_cast<std::uint8_t*>(d.data()), d.size()};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_name = &ss;
      msgs[i].msg_hdr.msg_namelen = sslen;
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int rc = ::sendmmsg(fd, msgs, static_cast<unsigned>(n), 0);
    if (rc < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
        ++stats_.would_block;
        return done;
      }
      // The first datagram of the batch is refused for good (EMSGSIZE, unreachable):
      // count it as sent and lost, as the network would.
      ++stats_.send_errors;
      ++done;
      continue;
    }
    stats_.sent += static_cast<std::uint64_t>(rc);
    done += static_cast<std::size_t>(rc);
  }
  return done;
}

}  // namespace p2pd::peer
