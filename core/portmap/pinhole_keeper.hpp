#pragma once
// The PinholeKeeper: keeps IPv6 pinholes open on the IGD's WANIPv6FirewallControl.
// Each pinhole is opened (AddPinhole), renewed at half its lease (UpdatePinhole; an
// IGD that no longer holds it gets AddPinhole again, "lost" then "appeared"), retried
// every retry_ms after a failure (every 60 s when the IGD refuses the address:
// not_authorized), a renewal until the lease runs out (then the pinhole
// counts as lost and is opened again), and deleted by remove() and shutdown()
// (DeletePinhole). Every SOAP/SSDP exchange runs on the libuv threadpool (loop::Work),
// one at a time, in order; the IGD found by IPv6 discovery is kept until a call cannot
// reach it, and a discovery that found none is remembered for failed_discovery_hold_ms.
// Loop thread only; callbacks never run inside a call.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/portmap/discovery_failure.hpp"
#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/loop/work.hpp"
#include "core/portmap/pinhole.hpp"
#include "core/portmap/upnp_pinhole.hpp"

namespace p2pd::portmap {

struct PinholeKeeperOptions {
  std::string interface;            // where IPv6 SSDP searches go (the IPv6 default route's)
  int discover_ms = 2000;
  std::uint64_t failed_discovery_hold_ms = 30000;
  std::uint64_t retry_ms = 5000;
  std::uint32_t lease_s = 3600;     // asked for when add() gets 0
};

// What changed: "appeared", "renewed", "failed", "lost" (as MapChange).
using PinholeChange = std::function<void(const PinholeEntry&, std::string_view what)>;

class PinholeKeeper {
 public:
  PinholeKeeper(loop::Loop& loop, PinholeKeeperOptions options, PinholeChange on_change = {});
  ~PinholeKeeper();
  PinholeKeeper(const PinholeKeeper&) = delete;
  PinholeKeeper& operator=(const PinholeKeeper&) = delete;

  // A new pinhole for address:port under `id` (the caller's, unique); lease_s 0 asks
  // for options.lease_s.
  void add(std::uint64_t id, const net::IpAddress& address, std::uint16_t port, Protocol protocol,
           std::uint32_t lease_s = 0);
  // Deletes the pinhole on the IGD (when open) and forgets it; false for an unknown id.
  bool remove(std::uint64_t id, std::function<void(Status)> done = {});
  // Deletes every open pinhole; done when all answered or after bound_ms.
  void shutdown(std::uint64_t bound_ms, std::function<void()> done);

  const std::map<std::uint64_t, PinholeEntry>& entries() const { return entries_; }
  const std::optional<upnp::FirewallIgd>& igd() const { return igd_; }
  const std::optional<Error>& discovery_error() const { return discovery_failure_.last(); }

 private:
  // A threadpool job given the IGD (discovered first when none is known).
  using Job = std::function<Result<std::uint16_t>(const upnp::FirewallIgd&)>;
  using Done = std::function<void(Result<std::uint16_t>)>;
  struct Item {
    Job job;
    Done done;
  };
  struct Outcome {
    std::optional<upnp::FirewallIgd> igd;
    Result<std::uint16_t> result;
    std::optional<Error> discovery_failed;
  };
  void open(std::uint64_t id);
  void renew(std::uint64_t id);
  void opened(std::uint64_t id, std::uint16_t unique_id, bool replaced);
  void failed(std::uint64_t id, Error why);
  void delete_on_igd(std::uint16_t unique_id, std::function<void(Status)> done);
  void later(std::uint64_t id, std::uint64_t delay_ms, void (PinholeKeeper::*fn)(std::uint64_t));
  void emit(std::uint64_t id, std::string_view what);
  void enqueue(Job job, Done done);
  void pump();

  loop::Loop& loop_;
  PinholeKeeperOptions options_;
  PinholeChange on_change_;
  std::map<std::uint64_t, PinholeEntry> entries_;
  std::map<std::uint64_t, loop::Timer> timers_;
  loop::Timer shutdown_timer_;
  std::optional<upnp::FirewallIgd> igd_;
  DiscoveryFailure discovery_failure_;
  std::deque<Item> queue_;
  loop::Work running_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace p2pd::portmap
