#pragma once
// One request and its answer over UDP on the loop, the way PCP and NAT-PMP clients talk
// to their gateway: a socket of its own on the local address that reaches the gateway,
// connected to the server, the request sent again on a Schedule until a datagram from
// the server's address and port is accepted by `match`, the schedule runs out, or the
// kernel reports an ICMP error for the server (a gateway without the protocol answers
// port unreachable: the exchange ends at once). Loop thread only.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/loop/udp.hpp"
#include "core/net/endpoint.hpp"
#include "core/portmap/retransmit.hpp"
#include "core/result.hpp"

namespace p2pd::portmap {

class UdpExchange {
 public:
  // True when the datagram answers the request (the others are ignored).
  using Match = std::function<bool(std::span<const std::uint8_t>)>;
  // The accepted datagram, or Error "timeout" (schedule over), "refused" (ICMP port
  // unreachable), "unreachable" (ICMP host/net unreachable) or "io_error" (socket).
  using Done = std::function<void(Result<std::vector<std::uint8_t>>)>;

  explicit UdpExchange(loop::Loop& loop);
  ~UdpExchange();
  UdpExchange(const UdpExchange&) = delete;
  UdpExchange& operator=(const UdpExchange&) = delete;

  // Starts the exchange. `done` runs once, never inside start(), and may destroy this.
  void start(const net::IpAddress& local, const net::Endpoint& server, std::vector<std::uint8_t> request,
             Schedule schedule, Match match, Done done);
  // Stops without calling done.
  void cancel();

  unsigned sends() const { return sends_; }
  bool active() const { return static_cast<bool>(done_); }

 private:
  void send();
  void on_timer();
  void on_socket_error(const Error& e);
  void finish(Result<std::vector<std::uint8_t>> outcome);

  loop::Loop& loop_;
  loop::Udp udp_;
  loop::Timer timer_;
  net::Endpoint server_;
  std::vector<std::uint8_t> request_;
  Schedule schedule_;
  Match match_;
  Done done_;
  std::uint64_t started_ms_ = 0;
  std::uint64_t wait_ms_ = 0;
  unsigned sends_ = 0;
};

// Exchanges in flight, each kept until its done has run (a mapper's requests).
class ExchangeSet {
 public:
  explicit ExchangeSet(loop::Loop& loop) : loop_(loop) {}
  void start(const net::IpAddress& local, const net::Endpoint& server, std::vector<std::uint8_t> request,
             Schedule schedule, UdpExchange::Match match, UdpExchange::Done done);
  std::size_t size() const { return live_.size(); }
  void cancel_all() { live_.clear(); }  // no done runs

 private:
  loop::Loop& loop_;
  std::uint64_t next_ = 0;
  std::map<std::uint64_t, std::unique_ptr<UdpExchange>> live_;
};

}  // namespace p2pd::portmap
