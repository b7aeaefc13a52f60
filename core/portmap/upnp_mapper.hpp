#pragma once
// A UPnP IGD client for one interface, on the loop: map() and unmap() like the PCP and
// NAT-PMP mappers, but every SSDP/SOAP exchange runs on the libuv threadpool
// (loop::Work) through libminiupnpc (upnp_igd.hpp), one job at a time, in order. The
// IGD found by discovery is kept; a job that fails to reach it forgets it, so the next
// job discovers again. A renewal (map() with the granted port) adds the mapping again,
// which refreshes its lease, or re-adds it when the IGD lost it. Loop thread only;
// callbacks never run inside a call.
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "core/loop/loop.hpp"
#include "core/loop/work.hpp"
#include "core/portmap/gateway.hpp"
#include "core/portmap/mapping.hpp"
#include "core/portmap/upnp_igd.hpp"

namespace p2pd::portmap {

struct UpnpOptions {
  int discover_ms = 2000;          // SSDP answers waited for
  std::string description = "p2pd";  // shown in the IGD's mapping list
};

class UpnpMapper {
 public:
  using Done = std::function<void(Result<Mapping>)>;
  using StatusDone = std::function<void(Status)>;

  UpnpMapper(loop::Loop& loop, Gateway gateway, UpnpOptions options);

  void map(const MapRequest& request, Done done);
  void unmap(const Mapping& mapping, StatusDone done);

  std::size_t pending() const { return queue_.size() + (running_.pending() ? 1 : 0); }
  const std::optional<upnp::Igd>& igd() const { return igd_; }

 private:
  // A threadpool job: given the IGD (discovered first when there is none), its result.
  using Job = std::function<Result<Mapping>(const upnp::Igd&)>;
  struct Item {
    Job job;
    Done done;
  };
  struct Outcome {
    std::optional<upnp::Igd> igd;  // as the job leaves it (unset: forget it)
    Result<Mapping> result;
  };
  void enqueue(Job job, Done done);
  void pump();

  loop::Loop& loop_;
  Gateway gateway_;
  UpnpOptions options_;
  std::optional<upnp::Igd> igd_;
  std::deque<Item> queue_;
  loop::Work running_;
};

}  // namespace p2pd::portmap
