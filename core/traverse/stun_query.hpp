#pragma once
// Asks several STUN servers at once for our external address from one local address
// and family (an interface's), over UDP from one socket and/or over TCP: resolves the
// names (threadpool), sends one Binding to the first address of each server, waits for
// every answer or failure (each bounded by the retransmission schedule), and says
// whether the answers agree (stun_agreement.hpp) before the address is believed.
// `done` runs once, on a later loop turn than start(); the query may be destroyed
// inside it or at any time before (nothing is called then). Loop thread only.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/loop/work.hpp"
#include "core/net/endpoint.hpp"
#include "core/traverse/stun_agreement.hpp"
#include "core/traverse/stun_socket.hpp"
#include "core/traverse/stun_tcp.hpp"

namespace p2pd::traverse {

struct StunQueryOptions {
  std::vector<net::HostPort> servers;
  net::Family family = net::Family::v4;
  std::optional<net::IpAddress> local_address;  // default: the family's wildcard
  std::string device;                           // SO_BINDTODEVICE for the UDP socket
  bool udp = true;
  bool tcp = false;
  turn::Timing timing;      // RTO, Rc, Rm and the cap per request
  std::size_t needed = 2;   // servers that must agree (clamped to the servers asked)
  std::string software;     // SOFTWARE in requests (empty: none)
};

struct StunServerOutcome {
  std::string server;                   // "host:port" as configured
  std::string transport;                // "udp" | "tcp"
  std::optional<net::Endpoint> address; // what the name resolved to
  std::optional<BindingAnswer> answer;
  std::optional<Error> error;           // "unreachable" (no address), "timeout", ...
};

struct StunQueryResult {
  std::vector<StunServerOutcome> outcomes;  // per server and transport, in config order
  Agreement udp;
  Agreement tcp;
  std::optional<net::Endpoint> udp_local;   // the UDP socket's address
  std::uint64_t elapsed_ms = 0;
  std::uint64_t requests = 0;               // UDP datagrams and TCP requests sent
};

class StunQuery {
 public:
  using Done = std::function<void(StunQueryResult)>;

  StunQuery(loop::Loop& loop, StunQueryOptions options);
  StunQuery(const StunQuery&) = delete;
  StunQuery& operator=(const StunQuery&) = delete;

  void start(Done done);

 private:
  void on_resolved(std::size_t index, Result<std::vector<net::IpAddress>> r);
  void record(std::size_t outcome, Result<BindingAnswer> r);
  void maybe_finish();

  loop::Loop& loop_;
  StunQueryOptions options_;
  Done done_;
  std::uint64_t started_ms_ = 0;
  StunQueryResult result_;
  std::vector<loop::Work> resolving_;
  std::unique_ptr<StunSocket> socket_;
  std::vector<std::unique_ptr<StunTcpProbe>> tcp_;
  std::size_t open_ = 0;  // outcomes still without an answer or error
  loop::Timer later_;
  bool finished_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

 public:
  ~StunQuery() { *alive_ = false; }
};

}  // namespace p2pd::traverse
