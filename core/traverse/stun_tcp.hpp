#pragma once
// One STUN Binding over TCP (RFC 8489 §6.2.2): connect to the server from a chosen
// local address, send one request, read one framed answer. What the TCP mapping of a
// NAT looks like, and evidence that STUN servers are reachable when UDP gets nothing.
// The whole exchange, connection included, is bounded by Timing::timeout_ms. `done`
// runs once, on a later loop turn than start(), and may destroy the probe.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/traverse/loop_clock.hpp"
#include "core/traverse/stun_binding.hpp"
#include "core/traverse/turn_socket_link.hpp"
#include "core/traverse/turn_transactions.hpp"

namespace p2pd::traverse {

class StunTcpProbe {
 public:
  using Done = std::function<void(Result<BindingAnswer>)>;

  StunTcpProbe(loop::Loop& loop, turn::Timing timing, std::string software = {});
  ~StunTcpProbe();
  StunTcpProbe(const StunTcpProbe&) = delete;
  StunTcpProbe& operator=(const StunTcpProbe&) = delete;

  // `local`: the address to connect from (port 0); default the wildcard of the family.
  void start(const net::Endpoint& server, std::optional<net::Endpoint> local, Done done);

 private:

  void on_frame(std::span<const std::uint8_t> frame);
  void finish(Result<BindingAnswer> result);  // on a later turn

  loop::Loop& loop_;
  turn::Timing timing_;
  std::string software_;
  turn::LoopClock clock_;
  BindingProbe what_;
  std::unique_ptr<turn::TcpLink> link_;
  std::unique_ptr<turn::Transactions> transactions_;
  loop::Timer deadline_;
  loop::Timer later_;
  Done done_;
  std::uint64_t started_ms_ = 0;
  bool finished_ = false;
};

}  // namespace p2pd::traverse
