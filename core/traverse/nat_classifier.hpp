#pragma once
// Classifies the NAT in front of one local address (RFC 3489 type, RFC 5780 mapping and
// filtering, P2PD's port delta) with as few round trips as tell them apart, over
// NatProbes (the loop's sockets, or a simulated NAT world in unit tests):
//
//  1. From socket Y, a Binding to every server at once (and a TCP Binding to each, as
//     evidence when UDP gets nothing): mapped address, agreement, and a server whose
//     OTHER-ADDRESS differs from it in IP and port (RFC 5780) for the behaviour tests.
//  2. Filtering, from a fresh socket X that has sent nowhere else: CHANGE-REQUEST for
//     another IP and port, and for another port, at once; silence is the answer, so
//     these use the filtering timeout, which everything below overlaps.
//  3. Mapping, from Y: the other IP at the primary port, then (if the mapping changed)
//     the other IP and port (RFC 5780 §4.3).
//  4. Delta, after 3 so that no other mapping is made meanwhile: new sockets on local
//     ports a, a+1, c, c+1, one Binding each, strictly one after another.
//
// No answer from any server gives `unknown`; `blocked` needs a TCP answer as evidence,
// `udp_firewall` an answer to Y while the changed-address answers never came.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/traverse/nat_delta.hpp"
#include "core/traverse/stun_agreement.hpp"
#include "core/traverse/nat_probes.hpp"
#include "core/traverse/nat_types.hpp"

namespace p2pd::traverse {

struct NatServer {
  std::string name;       // as configured, for people
  net::Endpoint address;  // resolved, of the classifier's family
};

struct NatClassifierOptions {
  std::string interface;
  net::IpAddress local;              // the address to probe from (not the wildcard)
  std::vector<NatServer> servers;
  turn::Timing timing;               // ordinary probes
  turn::Timing filter_timing;        // the filtering tests
  bool tcp = true;                   // TCP Bindings as evidence for `blocked`
  std::size_t needed = 2;            // servers that must agree on the external address
};

class NatClassifier {
 public:
  using Done = std::function<void(NatResult)>;

  // `done` runs once, from a probe's callback or a deferred call (never inside
  // start()), and may destroy the classifier. Destroying it earlier cancels nothing
  // already sent but calls nothing more.
  NatClassifier(NatProbes& probes, NatClassifierOptions options, Done done);
  NatClassifier(const NatClassifier&) = delete;
  NatClassifier& operator=(const NatClassifier&) = delete;
  ~NatClassifier() { *alive_ = false; }

  void start();

 private:
  struct DeltaStep {
    int socket = 0;
    std::uint16_t local = 0;
  };

  // A probe callback that does nothing once the classifier is gone.
  template <class F>
  NatProbes::Done guarded(F f) {
    return [alive = alive_, f = std::move(f)](Result<BindingAnswer> r) mutable {
      if (*alive) f(std::move(r));
    };
  }
  void step();
  void choose_behaviour_server();
  void start_filtering();
  void mapping_probe(const net::Endpoint& to);
  void on_mapping(Result<BindingAnswer> r);
  void next_delta();
  void finish();
  std::optional<int> open(std::uint16_t port, const turn::Timing& timing);
  void fail_now(std::string reason);
  const net::Endpoint& server_of(const std::string& name) const;

  NatProbes& probes_;
  NatClassifierOptions options_;
  Done done_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  NatResult result_;
  bool started_ = false, stepping_ = false, again_ = false, finished_ = false;

  std::optional<NatProbes::Socket> y_;
  std::vector<std::optional<Result<BindingAnswer>>> y_answers_;
  std::size_t y_pending_ = 0;
  std::vector<bool> tcp_ok_;
  std::size_t tcp_pending_ = 0;

  bool behaviour_chosen_ = false;
  std::optional<std::size_t> behaviour_;  // index into servers
  std::optional<BindingAnswer> primary_;  // Y's answer from the behaviour (or first) server

  std::size_t filter_pending_ = 0;
  std::optional<bool> changed_both_, changed_port_;  // answered?

  int mapping_stage_ = 0;  // 0 not started, 1 other IP, 2 other IP and port, 3 done
  std::optional<net::Endpoint> mapped2_;

  bool delta_started_ = false, delta_done_ = false, delta_waiting_ = false;
  std::vector<PortPair> pairs_;
};

}  // namespace p2pd::traverse
