#pragma once
// A UPnP IGD client for one interface, on the loop: map() and unmap() like the PCP and
// NAT-PMP mappers, but every SSDP/SOAP exchange runs on the libuv threadpool
// (loop::Work) through libminiupnpc (upnp_igd.hpp), one job at a time, in order. The
// IGD found by discovery is kept; a job that fails to reach it forgets it, so the next
// job discovers again. A discovery that found no IGD is remembered for
// failed_discovery_hold_ms: jobs in that time fail at once with its error instead of
// searching again. discover_ahead() starts discovery before any job needs it (the
// PortMapper runs it alongside PCP and NAT-PMP). A renewal (map() with the granted port) adds the mapping again,
// which refreshes its lease, or re-adds it when the IGD lost it. Loop thread only;
// callbacks never run inside a call.
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "core/portmap/discovery_failure.hpp"
#include "core/loop/loop.hpp"
#include "core/loop/work.hpp"
#include "core/portmap/gateway.hpp"
#include "core/portmap/mapping.hpp"
#include "core/portmap/upnp_igd.hpp"

namespace p2pd::portmap {

struct UpnpOptions {
  int discover_ms = 2000;          // SSDP answers waited for
  std::uint64_t failed_discovery_hold_ms = 30000;  // no IGD found: not searched again for this long
  std::string description = "p2pd";  // shown in the IGD's mapping list
};

class UpnpMapper {
 public:
  using Done = std::function<void(Result<Mapping>)>;
  using StatusDone = std::function<void(Status)>;

  UpnpMapper(loop::Loop& loop, Gateway gateway, UpnpOptions options);

  void map(const MapRequest& request, Done done);
  void unmap(const Mapping& mapping, StatusDone done);
  // Starts SSDP discovery on the threadpool unless an IGD is known, a failed discovery is
  // still remembered, or a job is queued or running (it discovers by itself).
  void discover_ahead();

  std::size_t pending() const { return queue_.size() + (running_.pending() ? 1 : 0); }
  const std::optional<upnp::Igd>& igd() const { return igd_; }

 private:
  // A threadpool job: given the IGD (discovered first when there is none), its result.
  // Empty: discovery only.
  using Job = std::function<Result<Mapping>(const upnp::Igd&)>;
  struct Item {
    Job job;
    Done done;
  };
  struct Outcome {
    std::optional<upnp::Igd> igd;  // as the job leaves it (unset: forget it)
    Result<Mapping> result;
    std::optional<Error> discovery_failed;  // discovery ran and found no IGD
  };
  void enqueue(Job job, Done done);
  void pump();

  loop::Loop& loop_;
  Gateway gateway_;
  UpnpOptions options_;
  std::optional<upnp::Igd> igd_;
  DiscoveryFailure discovery_failure_;      // the last discovery's error, while no IGD is known
  std::deque<Item> queue_;
  loop::Work running_;
};

}  // namespace p2pd::portmap
