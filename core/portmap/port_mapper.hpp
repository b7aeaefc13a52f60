#pragma once
// The PortMapper service: keeps mappings of local ports on one gateway. Each mapping is
// tried with PCP, then NAT-PMP, then UPnP IGD (SSDP discovery starting alongside PCP
// unless PCP or NAT-PMP is known to work; a gateway without PCP/NAT-PMP that answers
// ICMP port unreachable ends those at once; each protocol switched off by options;
// PortMapperOptions leave UPnP off, since it multicasts, and the daemon turns it on
// with portmap.upnp, true by default); the first that works is remembered for the
// gateway and tried first from then on. Granted mappings
// are renewed at half their lifetime; a renewal that fails is retried every
// retry_ms, and once the lifetime has run out the mapping counts as lost and is made
// again from the first protocol. remove() and shutdown() delete mappings on the gateway.
// Loop thread only; callbacks never run inside a call.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/portmap/gateway.hpp"
#include "core/portmap/mapping.hpp"
#include "core/portmap/natpmp_mapper.hpp"
#include "core/portmap/pcp_mapper.hpp"
#include "core/portmap/upnp_mapper.hpp"

namespace p2pd::portmap {

struct PortMapperOptions {
  bool pcp = true;
  bool natpmp = true;
  bool upnp = false;
  UpnpOptions upnp_options;          // discovery wait, the mappings' description
  std::uint32_t lease_s = 3600;      // lifetime asked for
  std::uint64_t timeout_ms = 2000;   // one protocol's exchange, retransmissions included
  std::uint64_t retry_ms = 5000;     // after a failed renewal, or a mapping that failed
  std::function<std::uint64_t()> next_id;  // ids from a counter shared with pinholes (empty: 1, 2, ...)
};

enum class MapState { mapping, mapped, failed };
std::string_view map_state_name(MapState s);  // "mapping", "mapped", "failed"

struct MapEntry {
  std::uint64_t id = 0;
  MapRequest request;
  MapState state = MapState::mapping;
  std::optional<Mapping> mapping;    // the last grant (kept while a renewal is tried)
  std::optional<Error> error;        // why the last attempt failed
  std::uint64_t expires_ms = 0;      // loop clock; 0 while not mapped
  unsigned renewals = 0;
};

// What changed: "appeared", "renewed", "failed", "lost". A listener may remove() the
// entry when it failed.
using MapChange = std::function<void(const MapEntry&, std::string_view what)>;

class PortMapper {
 public:
  PortMapper(loop::Loop& loop, Gateway gateway, PortMapperOptions options, MapChange on_change = {});
  ~PortMapper();
  PortMapper(const PortMapper&) = delete;
  PortMapper& operator=(const PortMapper&) = delete;

  // A new mapping of internal_port; external_port is a suggestion (0: any; a port taken
  // is asked again as any), lifetime_s 0 asks for options.lease_s.
  std::uint64_t add(Protocol protocol, std::uint16_t internal_port, std::uint16_t external_port = 0,
                    std::uint32_t lifetime_s = 0);
  // Deletes the mapping on the gateway (when it was granted) and forgets it. False for
  // an unknown id. `done` gets the gateway's answer (at once when nothing was granted).
  bool remove(std::uint64_t id, std::function<void(Status)> done = {});
  // Deletes every mapping; done runs when all answered or after bound_ms (at once when
  // nothing was granted). The PortMapper must outlive it.
  void shutdown(std::uint64_t bound_ms, std::function<void()> done);

  const std::map<std::uint64_t, MapEntry>& entries() const { return entries_; }
  const Gateway& gateway() const { return gateway_; }
  std::optional<Method> method() const { return method_; }  // remembered for this gateway

 private:
  void attempt(std::uint64_t id, std::size_t method_index);
  void start(std::uint64_t id) { attempt(id, 0); }
  void granted(std::uint64_t id, Mapping m);
  void renew(std::uint64_t id);
  void later(std::uint64_t id, std::uint64_t delay_ms, void (PortMapper::*fn)(std::uint64_t));
  void emit(std::uint64_t id, std::string_view what);
  std::vector<Method> order() const;
  void map_with(Method method, const MapRequest& request, std::function<void(Result<Mapping>)> done);
  void unmap_with(const Mapping& m, std::function<void(Status)> done);

  loop::Loop& loop_;
  Gateway gateway_;
  PortMapperOptions options_;
  MapChange on_change_;
  PcpMapper pcp_;
  NatPmpMapper natpmp_;
  UpnpMapper upnp_;
  std::optional<Method> method_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, MapEntry> entries_;
  std::map<std::uint64_t, loop::Timer> timers_;
  loop::Timer shutdown_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace p2pd::portmap
