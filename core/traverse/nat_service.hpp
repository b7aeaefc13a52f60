#pragma once
// The daemon's NAT classification (GET /v1/nat): for every usable interface and family
// that has an address to probe from, a NatClassifier over the loop's sockets against
// the configured STUN servers (names resolved on the threadpool at each run). Results
// are cached with their time and re-made when the interfaces change (InterfaceService)
// and on refresh() (POST /v1/nat/refresh). A new run replaces a running one. Each
// finished result is published as "nat.classified"; one whose type or external address
// differs from the one before also as "nat.changed", and handed to the result listener
// (the daemon re-publishes its address). Loop thread only.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/loop/work.hpp"
#include "core/net/interface_service.hpp"
#include "core/observe/events.hpp"
#include "core/observe/status_board.hpp"
#include "core/traverse/nat_classifier.hpp"

namespace p2pd::traverse {

struct NatServiceOptions {
  std::vector<std::string> servers;  // "host:port"
  turn::Timing timing;               // every Binding but the filtering tests
  turn::Timing filter_timing;        // the filtering tests (silence is an answer)
  turn::Timing tcp_timing;           // TCP Bindings (evidence for `blocked`)
  std::size_t needed = 2;            // servers that must agree on the external address
  std::string software;              // SOFTWARE in requests (empty: none)
};

class NatService {
 public:
  // `interfaces`, `events` and `status` may be null (no interfaces: nothing to probe).
  NatService(loop::Loop& loop, NatServiceOptions options, net::InterfaceService* interfaces,
             observe::EventBus* events, observe::StatusBoard* status);
  NatService(const NatService&) = delete;
  NatService& operator=(const NatService&) = delete;
  ~NatService();

  void start();    // subscribes to interface changes and runs the first classification
  void refresh();  // (re)starts a classification of every interface and family
  void close();    // stops: pending probes are dropped, results kept
  // New STUN servers (a config reload): classifies again with them.
  void set_servers(std::vector<std::string> servers);
  // Called after each finished result is stored in results() (and after stale ones are
  // dropped at the end of a run), on the loop thread.
  void set_on_result(std::function<void()> fn) { on_result_ = std::move(fn); }

  // The newest finished result per interface and family, in interface order.
  const std::vector<NatResult>& results() const { return results_; }
  bool running() const { return running_; }
  std::uint64_t runs() const { return runs_; }               // classifications started
  std::uint64_t refreshed_at_ms() const { return refreshed_at_ms_; }  // the last one's start
  std::uint64_t finished_at_ms() const { return finished_at_ms_; }    // 0 while none finished

 private:
  struct Target {
    std::string interface;
    net::IpAddress local;
  };
  struct Job {
    Target target;
    std::unique_ptr<LoopNatProbes> probes;
    std::unique_ptr<NatClassifier> classifier;
  };

  std::vector<Target> targets() const;
  void on_resolved(std::size_t server, Result<std::vector<net::IpAddress>> r);
  void start_jobs();
  void on_result(NatResult r);
  void set_status();

  loop::Loop& loop_;
  NatServiceOptions options_;
  net::InterfaceService* interfaces_;
  observe::EventBus* events_;
  observe::StatusBoard* status_;
  std::vector<NatResult> results_;
  std::vector<loop::Work> resolving_;
  std::vector<std::vector<net::IpAddress>> resolved_;  // per configured server
  std::size_t resolve_pending_ = 0;
  std::vector<std::unique_ptr<Job>> jobs_;
  std::vector<std::unique_ptr<Job>> retired_;  // freed on a later turn, never in a callback
  loop::Timer reaper_;
  std::size_t jobs_pending_ = 0;
  bool running_ = false, closed_ = false, subscribed_ = false;
  std::uint64_t runs_ = 0, refreshed_at_ms_ = 0, finished_at_ms_ = 0;
  std::function<void()> on_result_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace p2pd::traverse
