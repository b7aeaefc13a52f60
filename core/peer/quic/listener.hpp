#pragma once
// Accepts QUIC sessions from unknown senders on the shared peer UDP socket: a datagram
// that is a valid client Initial gets its own UdpPath and a server Session; anything
// else is dropped and counted.
#include <cstdint>
#include <functional>
#include <memory>

#include "core/loop/loop.hpp"
#include "core/peer/path_udp_mux.hpp"
#include "core/peer/quic/session.hpp"

namespace p2pd::peer::quic {

class Listener {
 public:
  using SessionFn = std::function<void(std::unique_ptr<Session>)>;
  // Takes over mux's accept callback until destroyed. on_session receives each new
  // server session (handshake under way); set its callbacks there.
  Listener(loop::Loop& loop, UdpMux& mux, SessionConfig config, SessionFn on_session);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  std::uint64_t rejected() const { return rejected_; }  // not an Initial, or refused at once

 private:
  void on_unknown(const net::Endpoint& from, std::span<const std::uint8_t> datagram);

  loop::Loop& loop_;
  UdpMux& mux_;
  SessionConfig config_;
  SessionFn on_session_;
  std::uint64_t rejected_ = 0;
};

}  // namespace p2pd::peer::quic
