#pragma once
// A UDP socket on the loop.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/loop/handle.hpp"
#include "core/loop/loop.hpp"
#include "core/net/endpoint.hpp"
#include "core/result.hpp"

namespace p2pd::loop {

namespace detail {
struct UdpBlock : BlockBase {
  uv_udp_t uv{};
  Loop* loop = nullptr;
  std::function<void(std::span<const std::uint8_t>, const net::Endpoint&)> on_datagram;
  std::function<void(Status)> on_error;
};
}  // namespace detail

class Udp : public detail::HandleOwner<detail::UdpBlock> {
 public:
  using DatagramFn = std::function<void(std::span<const std::uint8_t>, const net::Endpoint& from)>;
  using DoneFn = std::function<void(Status)>;

  Udp() = default;
  // recvmmsg: batch reads (UV_UDP_RECVMMSG) for sockets that carry bulk traffic.
  explicit Udp(Loop& loop, bool recvmmsg = false);

  Status open(int fd);                       // adopt a socket (see net::socket_bind)
  Status bind(const net::Endpoint& local, bool reuse_addr = false);
  // Connects the socket to one peer (uv_udp_connect): only its datagrams arrive, and the
  // kernel reports ICMP errors for it (port unreachable: ECONNREFUSED) as receive errors
  // (on_error) or as errors of the next send. Send with send_connected() afterwards.
  Status connect(const net::Endpoint& peer);

  // Datagrams arrive as spans into the loop's shared buffer: copy what you keep.
  // Truncated datagrams are dropped; on_error reports receive errors (the socket keeps
  // receiving).
  Status recv_start(DatagramFn on_datagram, DoneFn on_error = {});
  void recv_stop();

  void send(const net::Endpoint& to, std::vector<std::uint8_t> bytes, DoneFn on_sent = {});
  // To the peer of connect().
  void send_connected(std::vector<std::uint8_t> bytes, DoneFn on_sent = {});
  // Immediate send without queuing: returns an error (EAGAIN) when it would block.
  Status try_send(const net::Endpoint& to, std::span<const std::uint8_t> bytes);
  std::size_t send_queue_size() const;

  Result<net::Endpoint> local_endpoint() const;
  int fd() const;

 private:
  // uv_udp_send to `to`, or to the connected peer when null; `what` names a failure.
  void queue_send(const sockaddr* to, const std::string& what, std::vector<std::uint8_t> bytes, DoneFn on_sent);
  using HandleOwner::HandleOwner;
};

}  // namespace p2pd::loop
