#pragma once
// One remote endpoint over the shared peer socket (UdpMux). Created by UdpMux::open_path.
#include "core/peer/path.hpp"
#include "core/peer/path_udp_mux.hpp"

namespace p2pd::peer {

class UdpPath final : public Path {
 public:
  ~UdpPath() override;

  PathKind kind() const override { return PathKind::udp; }
  std::size_t max_datagram_size() const override { return max_datagram_; }
  net::Endpoint local_endpoint() const override { return local_; }
  net::Endpoint remote_endpoint() const override { return remote_; }
  Result<std::size_t> send(std::span<const std::span<const std::uint8_t>> datagrams) override;
  void set_receiver(ReceiveFn on_datagram, ClosedFn on_closed) override;
  void set_on_writable(WritableFn) override {}  // UDP: the caller retries on a short timer
  void close() override;
  bool is_open() const override { return mux_ != nullptr; }

 private:
  friend class UdpMux;
  UdpPath(UdpMux& mux, const net::Endpoint& remote, std::size_t max_datagram);
  void deliver(std::span<const std::uint8_t> bytes) {
    if (on_datagram_) on_datagram_(bytes);
  }
  void detach() { mux_ = nullptr; }

  UdpMux* mux_;
  net::Endpoint local_;
  net::Endpoint remote_;
  std::size_t max_datagram_;
  ReceiveFn on_datagram_;
  ClosedFn on_closed_;
};

}  // namespace p2pd::peer
