#pragma once
// A simulated NAT world for the NAT classifier's unit tests: a NatProbes whose sockets
// sit behind a scripted NAT (or none) with RFC 4787 mapping and filtering behaviour and
// a port-allocation policy, talking to STUN servers that answer from four addresses
// (RFC 5780) after a fixed round trip. Time is virtual: run() delivers answers and
// timeouts in time order. Every request is logged, so tests can check the probe order.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/traverse/nat_probes.hpp"

namespace p2pd::traverse::testing {

enum class Alloc { equal, preserving, independent, dependent, random };

struct SimNat {
  bool nat = true;  // false: the host's address is public (maybe a firewall filters)
  Behaviour mapping = Behaviour::endpoint_independent;
  Behaviour filtering = Behaviour::endpoint_independent;
  Alloc alloc = Alloc::equal;
  int delta = 0;          // preserving: the offset; independent/dependent: the step
  bool udp_dropped = false;
  bool tcp_dropped = false;
};

struct SimServer {
  std::string name;
  net::Endpoint primary, other;  // other: another IP and another port
  bool rfc5780 = true;           // false: no OTHER-ADDRESS, CHANGE-REQUEST ignored
  bool silent = false;
  std::optional<net::Endpoint> lie;  // reports this as the mapped address
  std::uint64_t rtt_ms = 20;
};

struct SimSend {
  std::uint64_t at_ms = 0;
  int socket = 0;
  std::uint16_t local_port = 0;
  net::Endpoint to;
  proto::stun::ChangeRequest change;
  std::uint64_t answered_ms = 0;  // 0: never answered
};

inline net::Endpoint sim_ep(const char* text) { return net::Endpoint::parse(text).value(); }

// The whole time a probe on `t` waits before it gives up (RFC 8489 schedule, capped).
inline std::uint64_t sim_schedule_ms(const turn::Timing& t) {
  std::uint64_t total = 0, rto = t.rto_ms;
  for (int i = 1; i < t.max_sends; ++i, rto *= 2) total += rto;
  total += t.last_wait_rto * t.rto_ms;
  return std::min(total, t.timeout_ms);
}

class NatWorld final : public NatProbes {
 public:
  NatWorld(SimNat nat, std::vector<SimServer> servers) : nat_(nat), servers_(std::move(servers)) {}

  net::IpAddress local_ip() const { return nat_.nat ? lan_ : wan_; }
  net::IpAddress external_ip() const { return wan_; }
  turn::Timing tcp_timing;
  std::vector<SimSend> sends;
  int tcp_probes = 0;

  Result<Socket> open_udp(const net::Endpoint& local, const turn::Timing& timing) override {
    std::uint16_t port = local.port;
    if (port == 0) {
      do {
        next_ephemeral_ = static_cast<std::uint16_t>(next_ephemeral_ + 97);
      } while (used_.count(next_ephemeral_));
      port = next_ephemeral_;
    }
    if (used_.count(port)) return Error{"in_use", "port in use"};
    used_.insert(port);
    const int id = next_id_++;
    sockets_[id] = {port, timing};
    return Socket{id, net::Endpoint{local_ip(), port}};
  }

  void udp_probe(int socket, BindingProbe probe, Done done) override {
    auto it = sockets_.find(socket);
    if (it == sockets_.end()) return schedule(0, [done] { done(Error{"closed", "no socket"}); });
    const auto [local_port, timing] = it->second;
    sends.push_back({now_, socket, local_port, probe.server, probe.change, 0});
    const std::size_t send_index = sends.size() - 1;
    const SimServer* server = find(probe.server);
    auto fail = [this, timing, done] {
      requests_ += static_cast<std::uint64_t>(timing.max_sends) - 1;  // the retransmissions
      schedule(sim_schedule_ms(timing), [done] { done(Error{"timeout", "no answer"}); });
    };
    ++requests_;
    if (nat_.udp_dropped || !server || server->silent) return fail();
    const net::Endpoint mapped = map(local_port, probe.server);
    net::Endpoint from = probe.server;
    if (server->rfc5780) {
      if (probe.change.change_ip) from.address = other_of(*server, from).address;
      if (probe.change.change_port) from.port = other_port(*server, from);
    }
    if (!acceptable_source(probe, from) || !passes(mapped, from)) return fail();
    BindingAnswer a;
    a.server = probe.server;
    a.from = from;
    a.local = net::Endpoint{local_ip(), local_port};
    a.mapped = server->lie.value_or(mapped);
    a.response_origin = from;
    if (server->rfc5780) a.other_address = server->other;
    a.xor_mapped = true;
    a.rtt_ms = server->rtt_ms;
    a.sends = 1;
    schedule(server->rtt_ms, [this, a, done, send_index] {
      sends[send_index].answered_ms = now_;
      done(a);
    });
  }

  void tcp_probe(const net::Endpoint& to, const net::Endpoint&, Done done) override {
    ++tcp_probes;
    ++requests_;
    const SimServer* server = find(to);
    if (nat_.tcp_dropped || !server || server->silent) {
      schedule(tcp_timing.timeout_ms, [done] { done(Error{"timeout", "no TCP answer"}); });
      return;
    }
    BindingAnswer a;
    a.server = to;
    a.from = to;
    a.mapped = net::Endpoint{wan_, 50000};
    schedule(2 * server->rtt_ms, [a, done] { done(a); });  // connect, then the exchange
  }

  void defer(std::function<void()> fn) override { schedule(0, std::move(fn)); }
  std::uint64_t now_ms() const override { return now_; }
  std::uint64_t requests() const override { return requests_; }

  // Delivers everything scheduled, in time order; false if `limit` events did not do.
  bool run(int limit = 100000) {
    while (!events_.empty()) {
      if (limit-- <= 0) return false;
      auto it = events_.begin();
      now_ = std::get<0>(it->first);
      auto fn = std::move(it->second);
      events_.erase(it);
      fn();
    }
    return true;
  }

  // The external ports of the mappings made, in the order they were made.
  std::vector<std::uint16_t> allocated;

 private:
  void schedule(std::uint64_t after, std::function<void()> fn) { events_.emplace(std::make_tuple(now_ + after, seq_++), std::move(fn)); }

  const SimServer* find(const net::Endpoint& to) const {
    for (const auto& s : servers_) {
      const bool ip = to.address == s.primary.address || (s.rfc5780 && to.address == s.other.address);
      const bool port = to.port == s.primary.port || (s.rfc5780 && to.port == s.other.port);
      if (ip && port) return &s;
    }
    return nullptr;
  }
  static net::Endpoint other_of(const SimServer& s, const net::Endpoint& e) {
    return e.address == s.primary.address ? s.other : s.primary;
  }
  static std::uint16_t other_port(const SimServer& s, const net::Endpoint& e) {
    return e.port == s.primary.port ? s.other.port : s.primary.port;
  }

  std::uint16_t next_random() {
    rng_ = rng_ * 1103515245u + 12345u;
    return static_cast<std::uint16_t>(20000 + (rng_ >> 8) % 40000);
  }

  std::uint16_t allocate(std::uint16_t local_port) {
    std::uint16_t p = 0;
    switch (nat_.alloc) {
      case Alloc::equal: p = local_port; break;
      case Alloc::preserving: p = static_cast<std::uint16_t>(local_port + nat_.delta); break;
      case Alloc::independent:
        p = last_ext_ ? static_cast<std::uint16_t>(*last_ext_ + nat_.delta) : std::uint16_t{30000};
        break;
      case Alloc::dependent:
        p = last_ext_ && last_local_ && local_port == *last_local_ + 1 ? static_cast<std::uint16_t>(*last_ext_ + nat_.delta)
                                                                       : next_random();
        break;
      case Alloc::random: p = next_random(); break;
    }
    while (taken_.count(p)) ++p;
    taken_.insert(p);
    last_ext_ = p;
    last_local_ = local_port;
    allocated.push_back(p);
    return p;
  }

  // The external endpoint for a datagram from `local_port` to `to`; records that `to`
  // was sent to (what address-dependent filtering lets back in).
  net::Endpoint map(std::uint16_t local_port, const net::Endpoint& to) {
    std::uint16_t ext = local_port;
    if (nat_.nat) {
      MapKey key{local_port, {}, 0};
      if (nat_.mapping != Behaviour::endpoint_independent) key.ip = to.address.to_string();
      if (nat_.mapping == Behaviour::address_and_port_dependent) key.port = to.port;
      auto it = mappings_.find(key);
      if (it == mappings_.end()) it = mappings_.emplace(key, allocate(local_port)).first;
      ext = it->second;
    }
    sent_to_[ext].insert({to.address.to_string(), to.port});
    return net::Endpoint{wan_, ext};
  }

  bool passes(const net::Endpoint& mapped, const net::Endpoint& from) const {
    auto it = sent_to_.find(mapped.port);
    if (it == sent_to_.end()) return false;
    switch (nat_.filtering) {
      case Behaviour::endpoint_independent: return true;
      case Behaviour::address_dependent:
        for (const auto& [ip, port] : it->second)
          if (ip == from.address.to_string()) return true;
        return false;
      default: return it->second.count({from.address.to_string(), from.port}) > 0;
    }
  }

  struct MapKey {
    std::uint16_t local;
    std::string ip;
    std::uint16_t port;
    bool operator<(const MapKey& o) const { return std::tie(local, ip, port) < std::tie(o.local, o.ip, o.port); }
  };

  SimNat nat_;
  std::vector<SimServer> servers_;
  net::IpAddress lan_ = net::IpAddress::parse("192.168.1.10").value();
  net::IpAddress wan_ = net::IpAddress::parse("198.51.100.7").value();
  std::map<int, std::pair<std::uint16_t, turn::Timing>> sockets_;
  std::set<std::uint16_t> used_;
  std::uint16_t next_ephemeral_ = 40000;
  int next_id_ = 1;
  std::map<MapKey, std::uint16_t> mappings_;
  std::map<std::uint16_t, std::set<std::pair<std::string, std::uint16_t>>> sent_to_;
  std::set<std::uint16_t> taken_;
  std::optional<std::uint16_t> last_ext_, last_local_;
  std::uint32_t rng_ = 12345;
  std::uint64_t now_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t requests_ = 0;
  std::map<std::tuple<std::uint64_t, std::uint64_t>, std::function<void()>> events_;
};

}  // namespace p2pd::traverse::testing
