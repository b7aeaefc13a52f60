#pragma once
// A UDP socket for STUN Binding probes on the loop: bound to one local address (an
// interface's, or the wildcard), it sends requests to any server and matches answers
// by transaction id and source. Each request is retransmitted on the RFC 8489 schedule
// (turn::Timing: RTO, doubling, Rc sends, Rm x RTO of waiting, a total cap) by its own
// turn::Transactions. One socket keeps its local port across probes, which is what the
// NAT tests need (the same mapping asked of several server addresses, in order).
//
// Answers are validated: the transaction id must be one we sent, the FINGERPRINT (when
// present) must match, the source must be the one the probe allows
// (acceptable_source()), the response must be a Binding success with a mapped address of
// our family. Datagrams that fail are counted and dropped, and the probe keeps waiting.
// A `done` callback may start new probes or destroy the socket. Loop thread only.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/loop/udp.hpp"
#include "core/traverse/loop_clock.hpp"
#include "core/traverse/stun_binding.hpp"
#include "core/traverse/turn_transactions.hpp"

namespace p2pd::traverse {

struct StunSocketCounters {
  std::uint64_t requests = 0;       // datagrams sent, retransmissions included
  std::uint64_t answers = 0;        // probes completed by a valid answer
  std::uint64_t malformed = 0;      // not a STUN message, or a failed FINGERPRINT
  std::uint64_t stray = 0;          // a transaction id we are not waiting for
  std::uint64_t wrong_source = 0;   // a right id from a source the probe does not allow
};

class StunSocket {
 public:
  using Done = std::function<void(Result<BindingAnswer>)>;

  StunSocket(loop::Loop& loop, turn::Timing timing, std::string software = {});
  ~StunSocket();
  StunSocket(const StunSocket&) = delete;
  StunSocket& operator=(const StunSocket&) = delete;

  // Binds to `local` (port 0: the kernel picks one); `device` pins it to an interface
  // (SO_BINDTODEVICE, also the scope of a link-local address).
  Status open(const net::Endpoint& local, const std::string& device = {});
  std::optional<net::Endpoint> local() const { return local_; }

  // Sends a Binding request now. `done` gets the answer or an Error: "timeout" after
  // the schedule, "stun_error" for an error response, "malformed" for a success without
  // a usable mapped address, "closed" when the socket is not open or was closed,
  // "bad_request" for a server of the other family (these two before probe() returns).
  void probe(BindingProbe probe, Done done);
  std::size_t pending() const { return probes_.size(); }

  // Ends every pending probe with "closed" and closes the socket. Destroying the socket
  // instead drops pending probes without calling them.
  void close();

  const StunSocketCounters& counters() const { return counters_; }

 private:
  // Sends one probe's request to its server through the shared socket.
  class ProbeLink final : public turn::ServerLink {
   public:
    ProbeLink(StunSocket& owner, net::Endpoint to) : owner_(owner), to_(to) {}
    Status send_frame(std::span<const std::uint8_t> frame) override;
    bool is_stream() const override { return false; }

   private:
    StunSocket& owner_;
    net::Endpoint to_;
  };
  struct Probe {
    Probe(StunSocket& owner, BindingProbe p, turn::Timing timing, Done d);
    BindingProbe what;
    ProbeLink link;
    turn::Transactions transactions;
    Done done;
    std::uint64_t started_ms = 0;
    std::optional<Result<BindingAnswer>> outcome;
    net::Endpoint from;  // of the answer being read
  };

  void on_datagram(std::span<const std::uint8_t> d, const net::Endpoint& from);
  void on_timer();
  void settle();  // hands finished probes to their callbacks, re-arms the timer
  void arm();

  loop::Loop& loop_;
  turn::Timing timing_;
  std::string software_;
  turn::LoopClock clock_;
  loop::Udp udp_;
  loop::Timer timer_;
  std::optional<net::Endpoint> local_;
  std::map<proto::stun::TransactionId, std::unique_ptr<Probe>> probes_;
  StunSocketCounters counters_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace p2pd::traverse
