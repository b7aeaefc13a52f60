#pragma once
// A UDP socket of its own with a default remote (a client pipe). It receives datagrams
// from any sender (subscriptions can filter by sender); send() goes to the remote, or
// to `to` when given.
#include <optional>

#include "core/loop/udp.hpp"
#include "core/pipe/transport.hpp"

namespace p2pd::pipe {

// Largest UDP payload over IPv4 (65535 - 8 - 20); IPv6 allows 65527 without jumbograms.
inline constexpr std::size_t kMaxDatagram = 65507;

class UdpClientTransport final : public Transport {
 public:
  UdpClientTransport(loop::Udp udp, net::Endpoint remote);
  ~UdpClientTransport() override { close(false); }

  std::string_view kind() const override { return "udp"; }
  bool is_stream() const override { return false; }
  bool can_send_to() const override { return true; }
  Status start(TransportHandler* handler) override;
  void set_reading(bool) override {}
  Status send(std::vector<std::uint8_t> bytes, const std::optional<net::Endpoint>& to) override;
  std::size_t backlog() const override { return udp_.send_queue_size(); }
  void shutdown_write() override {}
  void close(bool graceful) override;
  std::optional<net::Endpoint> local() const override { return local_; }
  std::optional<net::Endpoint> remote() const override { return remote_; }

 private:
  loop::Udp udp_;
  net::Endpoint remote_;
  std::optional<net::Endpoint> local_;
  TransportHandler* handler_ = nullptr;
};

// Shared by the UDP transports: size and family checks before a send.
Status check_datagram(std::size_t size, const net::Endpoint& to, const std::optional<net::Endpoint>& local);

}  // namespace p2pd::pipe
