#pragma once
// The daemon's peer UDP socket, shared by all UDP paths and demultiplexed by remote
// endpoint: each known remote's datagrams go to its UdpPath; datagrams from unknown
// senders go to the accept callback, which may claim the sender with open_path() (a
// QUIC listener does so for a valid Initial). Unclaimed datagrams are dropped and counted.
// Sends use sendmmsg on the socket's fd (libuv 1.44 has no batched send).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>

#include "core/loop/loop.hpp"
#include "core/loop/udp.hpp"
#include "core/net/endpoint.hpp"
#include "core/result.hpp"

namespace p2pd::peer {

class UdpPath;

struct UdpMuxOptions {
  // Largest datagram of a path that leaves this host: 1452 suits the Internet.
  std::size_t max_datagram = 1452;
  // Largest datagram of a path whose route is the loopback device (127.0.0.0/8, ::1 and
  // this host's own interface addresses: net::route_mtu() says 65536): a QUIC session
  // there sends ~40x fewer packets. 0 = max_datagram. Capped by the route's MTU
  // (IPv4 UDP tops out at 65507, IPv6 at 65488 on a 65536 MTU).
  std::size_t local_max_datagram = 65000;
  int socket_buffer = 4 * 1024 * 1024;  // SO_RCVBUF / SO_SNDBUF (capped by the kernel)
};

struct UdpMuxStats {
  std::uint64_t received = 0;
  std::uint64_t dropped_unknown = 0;  // from senders nobody claimed
  std::uint64_t sent = 0;
  std::uint64_t send_errors = 0;      // refused for good (counted as sent-and-lost)
  std::uint64_t would_block = 0;      // sendmmsg hit a full socket buffer
};

class UdpMux {
 public:
  using AcceptFn = std::function<void(const net::Endpoint& from, std::span<const std::uint8_t> datagram)>;

  static Result<std::unique_ptr<UdpMux>> bind(loop::Loop& loop, const net::Endpoint& local,
                                              const UdpMuxOptions& options = {});
  ~UdpMux();  // open paths are detached: they report closed on their next send
  UdpMux(const UdpMux&) = delete;
  UdpMux& operator=(const UdpMux&) = delete;

  // One taker of unknown senders at a time; `owner` identifies it, so that an old owner
  // going away does not clear a newer one's callback.
  void set_accept(AcceptFn on_unknown, const void* owner) {
    on_unknown_ = std::move(on_unknown);
    accept_owner_ = owner;
  }
  void clear_accept(const void* owner) {
    if (accept_owner_ != owner) return;
    on_unknown_ = nullptr;
    accept_owner_ = nullptr;
  }
  // A path to `remote`; error "in_use" if one is open already. Its max_datagram_size()
  // is datagram_size_for(remote).
  Result<std::unique_ptr<UdpPath>> open_path(const net::Endpoint& remote);
  // local_max_datagram when the route to `remote` is the loopback device, else max_datagram.
  std::size_t datagram_size_for(const net::Endpoint& remote) const;
  bool has_path(const net::Endpoint& remote) const;

  const net::Endpoint& local_endpoint() const { return local_; }
  const UdpMuxOptions& options() const { return options_; }
  const UdpMuxStats& stats() const { return stats_; }

 private:
  friend class UdpPath;
  struct Key {
    std::uint8_t bytes[16];
    std::uint32_t scope;
    std::uint16_t port;
    std::uint8_t family;
    auto operator<=>(const Key&) const = default;
  };
  static Key key_of(const net::Endpoint& e);

  UdpMux(loop::Loop& loop, UdpMuxOptions options);
  void on_datagram(std::span<const std::uint8_t> bytes, const net::Endpoint& from);
  void unregister(UdpPath* path);
  Result<std::size_t> send_to(const net::Endpoint& remote, std::span<const std::span<const std::uint8_t>> datagrams);

  loop::Udp udp_;
  UdpMuxOptions options_;
  net::Endpoint local_;
  AcceptFn on_unknown_;
  const void* accept_owner_ = nullptr;
  std::map<Key, UdpPath*> paths_;
  UdpMuxStats stats_;
};

}  // namespace p2pd::peer
