#pragma once
// What the NAT classifier needs from the network, as a small interface so that unit
// tests run it in a simulated NAT world: UDP sockets that send Binding probes (each
// keeps its local port, StunSocket), one-shot TCP Bindings (StunTcpProbe), a clock and
// a way to run something on a later turn. LoopNatProbes is the real one, on the loop;
// it owns every socket it opened until it is destroyed.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/traverse/stun_binding.hpp"
#include "core/traverse/stun_socket.hpp"
#include "core/traverse/stun_tcp.hpp"
#include "core/traverse/turn_transactions.hpp"

namespace p2pd::traverse {

class NatProbes {
 public:
  using Done = std::function<void(Result<BindingAnswer>)>;
  struct Socket {
    int id = 0;
    net::Endpoint local;
  };

  virtual ~NatProbes() = default;
  // A new UDP socket bound to `local` (port 0: any) whose probes follow `timing`.
  virtual Result<Socket> open_udp(const net::Endpoint& local, const turn::Timing& timing) = 0;
  // `done` runs once; for a socket that cannot send it may run inside this call.
  virtual void udp_probe(int socket, BindingProbe probe, Done done) = 0;
  virtual void tcp_probe(const net::Endpoint& server, const net::Endpoint& local, Done done) = 0;
  // Runs `fn` on a later turn (never inside this call).
  virtual void defer(std::function<void()> fn) = 0;
  virtual std::uint64_t now_ms() const = 0;
  virtual std::uint64_t requests() const = 0;  // sent so far, retransmissions included
};

class LoopNatProbes final : public NatProbes {
 public:
  // `device`: SO_BINDTODEVICE for every UDP socket (empty: none). TCP probes use
  // `tcp_timing` (its cap bounds connection and answer).
  LoopNatProbes(loop::Loop& loop, std::string device, turn::Timing tcp_timing, std::string software = {});

  Result<Socket> open_udp(const net::Endpoint& local, const turn::Timing& timing) override;
  void udp_probe(int socket, BindingProbe probe, Done done) override;
  void tcp_probe(const net::Endpoint& server, const net::Endpoint& local, Done done) override;
  void defer(std::function<void()> fn) override;
  std::uint64_t now_ms() const override { return loop_.now_ms(); }
  std::uint64_t requests() const override;

 private:
  loop::Loop& loop_;
  std::string device_;
  turn::Timing tcp_timing_;
  std::string software_;
  std::map<int, std::unique_ptr<StunSocket>> sockets_;
  std::vector<std::unique_ptr<StunTcpProbe>> tcp_;
  std::vector<std::unique_ptr<loop::Timer>> deferred_;
  std::uint64_t tcp_requests_ = 0;
  int next_id_ = 1;
};

}  // namespace p2pd::traverse
