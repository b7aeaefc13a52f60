#include "core/peer/path_udp.hpp"

namespace p2pd::peer {

UdpPath::UdpPath(UdpMux& mux, const net::Endpoint& remote, std::size_t max_datagram)
    : mux_(&mux), local_(mux.local_endpoint()), remote_(remote), max_datagram_(max_datagram) {}

UdpPath::~UdpPath() { close(); }

Result<std::size_t> UdpPath::send(std::span<const std::span<const std::uint8_t>> datagrams) {
  if (!mux_) return Error{"closed", "udp path to " + remote_.to_string() + " is closed"};
  return mux_->send_to(remote_, datagrams);
}

void UdpPath::set_receiver(ReceiveFn on_datagram, ClosedFn on_closed) {
  on_datagram_ = std::move(on_datagram);
  on_closed_ = std::move(on_closed);
}

void UdpPath::close() {
  if (mux_) mux_->unregister(this);
  mux_ = nullptr;  // the callbacks stay: close() may run inside one of them
}

}  // namespace p2pd::peer
