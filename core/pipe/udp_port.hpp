#pragma once
// A UDP server socket and its demultiplexer: each datagram goes to the transport of
// the pipe made for its sender; a datagram from an unknown sender goes to on_new_sender
// (the Server makes a pipe for it, or drops it when over its limit). Shared (by
// shared_ptr) between the Server that listens and the sender pipes, which send through it.
#include <functional>
#include <map>
#include <memory>
#include <span>

#include "core/loop/udp.hpp"
#include "core/pipe/endpoint_less.hpp"
#include "core/pipe/transport.hpp"
#include "core/result.hpp"

namespace p2pd::pipe {

class UdpSenderTransport;

class UdpPort {
 public:
  using NewSenderFn = std::function<void(std::span<const std::uint8_t>, const net::Endpoint& from)>;

  UdpPort(loop::Udp udp, net::Endpoint local) : udp_(std::move(udp)), local_(local) {}
  UdpPort(const UdpPort&) = delete;
  UdpPort& operator=(const UdpPort&) = delete;

  Status start(NewSenderFn on_new_sender);
  void close();  // the senders' transports then fail their sends
  bool is_open() const { return udp_.is_open(); }

  loop::Udp& udp() { return udp_; }
  const net::Endpoint& local() const { return local_; }
  std::size_t senders() const { return senders_.size(); }

 private:
  friend class UdpSenderTransport;
  void add(const net::Endpoint& sender, UdpSenderTransport* t) { senders_[sender] = t; }
  void remove(const net::Endpoint& sender, UdpSenderTransport* t);

  loop::Udp udp_;
  net::Endpoint local_;
  NewSenderFn on_new_sender_;
  std::map<net::Endpoint, UdpSenderTransport*, EndpointLess> senders_;
};

// One sender on a shared UdpPort: receives what that sender sends; sends to it (or to
// `to`) through the port's socket.
class UdpSenderTransport final : public Transport {
 public:
  UdpSenderTransport(std::shared_ptr<UdpPort> port, net::Endpoint sender);
  ~UdpSenderTransport() override { close(false); }

  std::string_view kind() const override { return "udp"; }
  bool is_stream() const override { return false; }
  bool can_send_to() const override { return true; }
  Status start(TransportHandler* handler) override;
  void set_reading(bool) override {}
  Status send(std::vector<std::uint8_t> bytes, const std::optional<net::Endpoint>& to) override;
  std::size_t backlog() const override;
  void shutdown_write() override {}
  void close(bool graceful) override;
  std::optional<net::Endpoint> local() const override;
  std::optional<net::Endpoint> remote() const override { return sender_; }

  // From the port.
  void deliver(std::span<const std::uint8_t> data, const net::Endpoint& from) {
    if (handler_) handler_->on_transport_data(data, from);
  }

 private:
  std::shared_ptr<UdpPort> port_;
  net::Endpoint sender_;
  TransportHandler* handler_ = nullptr;
};

}  // namespace p2pd::pipe
