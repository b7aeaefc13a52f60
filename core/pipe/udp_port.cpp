#include "core/pipe/udp_port.hpp"

#include "core/pipe/udp_client_transport.hpp"

namespace p2pd::pipe {

Status UdpPort::start(NewSenderFn on_new_sender) {
  on_new_sender_ = std::move(on_new_sender);
  return udp_.recv_start([this](std::span<const std::uint8_t> data, const net::Endpoint& from) {
    auto it = senders_.find(from);
    if (it != senders_.end()) return it->second->deliver(data, from);
    if (on_new_sender_) on_new_sender_(data, from);
  });
}

void UdpPort::close() {
  udp_.close();
  on_new_sender_ = nullptr;
}

void UdpPort::remove(const net::Endpoint& sender, UdpSenderTransport* t) {
  auto it = senders_.find(sender);
  if (it != senders_.end() && it->second == t) senders_.erase(it);
}

UdpSenderTransport::UdpSenderTransport(std::shared_ptr<UdpPort> port, net::Endpoint sender)
    : port_(std::move(port)), sender_(sender) {
  port_->add(sender_, this);
}

Status UdpSenderTransport::start(TransportHandler* handler) {
  handler_ = handler;
  if (!port_ || !port_->is_open()) return Error{"closed", "the server's UDP socket is closed"};
  return {};
}

Status UdpSenderTransport::send(std::vector<std::uint8_t> bytes, const std::optional<net::Endpoint>& to) {
  if (!port_ || !port_->is_open()) return Error{"closed", "the server's UDP socket is closed"};
  const net::Endpoint& dest = to ? *to : sender_;
  if (auto st = check_datagram(bytes.size(), dest, port_->local()); !st.ok()) return st;
  auto& udp = port_->udp();
  if (udp.send_queue_size() == 0 && udp.try_send(dest, bytes).ok()) return {};
  // The port outlives this send (the request holds no pointer to us).
  udp.send(dest, std::move(bytes));
  return {};
}

std::size_t UdpSenderTransport::backlog() const { return port_ ? port_->udp().send_queue_size() : 0; }

void UdpSenderTransport::close(bool) {
  handler_ = nullptr;
  if (port_) {
    port_->remove(sender_, this);
    port_.reset();
  }
}

std::optional<net::Endpoint> UdpSenderTransport::local() const {
  if (!port_) return std::nullopt;
  return port_->local();
}

}  // namespace p2pd::pipe
