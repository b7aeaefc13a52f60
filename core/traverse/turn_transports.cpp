#include "core/traverse/turn_transports.hpp"

namespace p2pd::traverse::turn {

// --- datagrams of a UDP allocation ----------------------------------------------------------

TurnRelayTransport::TurnRelayTransport(std::shared_ptr<RelayHub> hub, std::optional<net::Endpoint> default_peer,
                                       std::function<void()> on_close)
    : hub_(std::move(hub)), default_peer_(default_peer), on_close_(std::move(on_close)) {
  if (hub_->client()) relayed_ = hub_->client()->relayed();
}

Status TurnRelayTransport::start(pipe::TransportHandler* handler) {
  if (hub_->ended() || !hub_->client()) return Error{"closed", "the allocation is gone"};
  handler_ = handler;
  token_ = hub_->attach(
      std::nullopt,
      [this](const net::Endpoint& from, std::span<const std::uint8_t> data) {
        if (handler_) handler_->on_transport_data(data, from);
      },
      [this](Status why) {
        token_.reset();
        auto* h = std::exchange(handler_, nullptr);
        if (h) h->on_transport_end(why);
      });
  return {};
}

Status TurnRelayTransport::send(std::vector<std::uint8_t> bytes, const std::optional<net::Endpoint>& to) {
  TurnClient* client = hub_->client();
  if (!client) return Error{"closed", "the allocation is gone"};
  const auto target = to ? to : default_peer_;
  if (!target) return Error{"bad_request", "a TURN relay pipe needs a peer: send with \"to\""};
  return client->send(*target, bytes);
}

void TurnRelayTransport::close(bool) {
  handler_ = nullptr;
  if (token_) hub_->detach(*std::exchange(token_, std::nullopt));
  if (auto fn = std::exchange(on_close_, nullptr)) fn();
}

std::size_t TurnRelayTransport::backlog() const { return hub_->client() ? hub_->client()->backlog() : 0; }

std::optional<net::Endpoint> TurnRelayTransport::local() const {
  if (hub_->client()) return hub_->client()->relayed();
  return relayed_;
}

// --- an RFC 6062 data connection ---------------------------------------------------------------

TurnStreamTransport::TurnStreamTransport(loop::Loop& loop, BoundConnection c, std::optional<net::Endpoint> relayed)
    : tcp_(std::move(c.tcp)), initial_timer_(loop), initial_(std::move(c.initial)), peer_(c.peer),
      relayed_(relayed), connection_id_(c.connection_id) {}

Status TurnStreamTransport::start(pipe::TransportHandler* handler) {
  if (!tcp_.is_open()) return Error{"closed", "the connection is closed"};
  handler_ = handler;
  if (!initial_.empty()) {
    // Bytes that came with the ConnectionBind answer go first, on the next loop turn.
    initial_timer_.start(0, 0, [this] {
      auto bytes = std::move(initial_);
      initial_.clear();
      if (handler_) handler_->on_transport_data(bytes, peer_);
      if (!closed_ && want_reading_) start_reading();
    });
    return {};
  }
  start_reading();
  return {};
}

void TurnStreamTransport::start_reading() {
  if (reading_ || ended_ || closed_ || !initial_.empty()) return;
  auto st = tcp_.read_start(
      [this](std::span<const std::uint8_t> bytes) {
        if (handler_) handler_->on_transport_data(bytes, peer_);
      },
      [this](Status end) {
        ended_ = true;
        reading_ = false;
        if (auto* h = handler_) h->on_transport_end(end);
      });
  if (!st) {
    ended_ = true;
    if (auto* h = handler_) h->on_transport_end(st);
    return;
  }
  reading_ = true;
}

void TurnStreamTransport::set_reading(bool on) {
  want_reading_ = on;
  if (on) return start_reading();
  if (reading_) {
    tcp_.read_stop();
    reading_ = false;
  }
}

Status TurnStreamTransport::send(std::vector<std::uint8_t> bytes, const std::optional<net::Endpoint>&) {
  if (closed_ || !tcp_.is_open()) return Error{"closed", "the connection is closed"};
  std::weak_ptr<char> alive = alive_;
  tcp_.write(std::move(bytes), [this, alive](Status) {
    if (alive.expired() || closed_) return;
    if (tcp_.write_queue_size() <= kLowWater && handler_) handler_->on_transport_drained();
  });
  return {};
}

void TurnStreamTransport::shutdown_write() {
  if (!closed_ && tcp_.is_open()) tcp_.shutdown();
}

void TurnStreamTransport::close(bool graceful) {
  if (closed_) return;
  closed_ = true;
  handler_ = nullptr;
  initial_timer_.close();
  if (graceful && tcp_.is_open()) {
    // Flush in the background: the socket owns itself until its FIN is out.
    auto* lingering = new loop::Tcp(std::move(tcp_));
    lingering->read_stop();
    lingering->shutdown([lingering](Status) { delete lingering; });
    return;
  }
  tcp_.close();
}

}  // namespace p2pd::traverse::turn
