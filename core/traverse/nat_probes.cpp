#include "core/traverse/nat_probes.hpp"

namespace p2pd::traverse {

LoopNatProbes::LoopNatProbes(loop::Loop& loop, std::string device, turn::Timing tcp_timing, std::string software)
    : loop_(loop), device_(std::move(device)), tcp_timing_(tcp_timing), software_(std::move(software)) {}

Result<NatProbes::Socket> LoopNatProbes::open_udp(const net::Endpoint& local, const turn::Timing& timing) {
  auto s = std::make_unique<StunSocket>(loop_, timing, software_);
  if (auto st = s->open(local, device_); !st) return st.error();
  const int id = next_id_++;
  Socket out{id, *s->local()};
  sockets_[id] = std::move(s);
  return out;
}

void LoopNatProbes::udp_probe(int socket, BindingProbe probe, Done done) {
  auto it = sockets_.find(socket);
  if (it == sockets_.end()) {
    done(Error{"closed", "no such probe socket"});
    return;
  }
  it->second->probe(std::move(probe), std::move(done));
}

void LoopNatProbes::tcp_probe(const net::Endpoint& server, const net::Endpoint& local, Done done) {
  auto p = std::make_unique<StunTcpProbe>(loop_, tcp_timing_, software_);
  auto* raw = p.get();
  tcp_.push_back(std::move(p));
  ++tcp_requests_;
  raw->start(server, local, std::move(done));
}

void LoopNatProbes::defer(std::function<void()> fn) {
  auto t = std::make_unique<loop::Timer>(loop_);
  t->start(0, 0, std::move(fn));  // may destroy this: the Timer's block outlives the call
  deferred_.push_back(std::move(t));
}

std::uint64_t LoopNatProbes::requests() const {
  std::uint64_t n = tcp_requests_;
  for (const auto& [id, s] : sockets_) n += s->counters().requests;
  return n;
}

}  // namespace p2pd::traverse
