#include "core/peer/quic/listener.hpp"

#include <spdlog/spdlog.h>

#include "core/peer/path_udp.hpp"

namespace p2pd::peer::quic {

Listener::Listener(loop::Loop& loop, UdpMux& mux, SessionConfig config, SessionFn on_session)
    : loop_(loop), mux_(mux), config_(std::move(config)), on_session_(std::move(on_session)) {
  mux_.set_accept([this](const net::Endpoint& from, std::span<const std::uint8_t> d) { on_unknown(from, d); }, this);
}

Listener::~Listener() { mux_.clear_accept(this); }

void Listener::on_unknown(const net::Endpoint& from, std::span<const std::uint8_t> datagram) {
  // A client's first datagram is at least 1200 bytes (RFC 9000, 14.1).
  if (datagram.size() < 1200 || !Session::looks_like_initial(datagram)) {
    ++rejected_;
    return;
  }
  auto path = mux_.open_path(from);
  if (!path) {
    ++rejected_;
    return;
  }
  auto session = Session::accept(loop_, std::move(*path), datagram, config_);
  if (!session) {
    ++rejected_;
    spdlog::debug("quic listener: refused {}: {}", from.to_string(), session.error().message);
    return;
  }
  if (on_session_) on_session_(std::move(*session));
}

}  // namespace p2pd::peer::quic
