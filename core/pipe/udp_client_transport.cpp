#include "core/pipe/udp_client_transport.hpp"

namespace p2pd::pipe {

Status check_datagram(std::size_t size, const net::Endpoint& to, const std::optional<net::Endpoint>& local) {
  if (size > kMaxDatagram)
    return Error{"too_large", "a UDP datagram holds at most " + std::to_string(kMaxDatagram) + " bytes, not " +
                                  std::to_string(size)};
  if (local && local->address.family != to.address.family)
    return Error{"bad_request", "cannot send to " + to.to_string() + " from a socket bound to " + local->to_string()};
  if (to.port == 0) return Error{"bad_request", "cannot send to port 0"};
  return {};
}

UdpClientTransport::UdpClientTransport(loop::Udp udp, net::Endpoint remote)
    : udp_(std::move(udp)), remote_(remote) {
  if (auto l = udp_.local_endpoint(); l.ok()) local_ = *l;
}

Status UdpClientTransport::start(TransportHandler* handler) {
  handler_ = handler;
  return udp_.recv_start([this](std::span<const std::uint8_t> data, const net::Endpoint& from) {
    if (handler_) handler_->on_transport_data(data, from);
  });
}

Status UdpClientTransport::send(std::vector<std::uint8_t> bytes, const std::optional<net::Endpoint>& to) {
  if (!udp_.is_open()) return Error{"closed", "udp socket is closed"};
  const net::Endpoint& dest = to ? *to : remote_;
  if (auto st = check_datagram(bytes.size(), dest, local_); !st.ok()) return st;
  // Most datagrams go out at once; the rest queue in libuv.
  if (udp_.send_queue_size() == 0 && udp_.try_send(dest, bytes).ok()) return {};
  udp_.send(dest, std::move(bytes), [this](Status) {
    if (handler_ && udp_.send_queue_size() == 0) handler_->on_transport_drained();
  });
  return {};
}

void UdpClientTransport::close(bool) {
  handler_ = nullptr;
  udp_.close();
}

}  // namespace p2pd::pipe
