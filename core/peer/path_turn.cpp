#include "core/peer/path_turn.hpp"

#include "core/traverse/turn_client.hpp"

namespace p2pd::peer {

TurnPath::TurnPath(std::shared_ptr<traverse::turn::RelayHub> hub, net::Endpoint peer)
    : hub_(std::move(hub)), peer_(peer) {
  if (auto* c = hub_->client())
    if (auto r = c->relayed()) relayed_ = *r;
}

Result<std::size_t> TurnPath::send(std::span<const std::span<const std::uint8_t>> datagrams) {
  auto* client = hub_->client();
  if (!open_ || !client) return Error{"closed", "the TURN relay is gone"};
  std::size_t taken = 0;
  for (auto d : datagrams) {
    auto st = client->send(peer_, d);
    if (!st && st.error().code != "too_large") return st.error();  // oversize counts as taken (lost)
    ++taken;
  }
  return taken;
}

void TurnPath::set_receiver(ReceiveFn on_datagram, ClosedFn on_closed) {
  on_datagram_ = std::move(on_datagram);
  on_closed_ = std::move(on_closed);
  if (token_ || !open_) return;
  if (!hub_->client()) {
    open_ = false;
    if (auto fn = std::exchange(on_closed_, nullptr)) fn(Error{"closed", "the TURN relay is gone"});
    return;
  }
  token_ = hub_->attach(
      peer_,
      [this](const net::Endpoint&, std::span<const std::uint8_t> data) {
        if (on_datagram_) on_datagram_(data);
      },
      [this](Status why) {
        token_.reset();
        open_ = false;
        if (auto fn = std::exchange(on_closed_, nullptr))
          fn(why.ok() ? Status{Error{"closed", "the TURN allocation was released"}} : why);
      });
}

void TurnPath::close() {
  open_ = false;
  on_datagram_ = nullptr;
  on_closed_ = nullptr;
  if (token_) hub_->detach(*std::exchange(token_, std::nullopt));
}

}  // namespace p2pd::peer
