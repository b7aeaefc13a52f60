#pragma once
// What the daemon owns for port mapping: at start, the IPv4 default gateway from the
// interface view and a PortMapper for it mapping the node port (UDP and TCP); mappings
// added and deleted through /v1/portmaps; the "portmap" status line (off when switched
// off, starting, ready with the external endpoints, degraded with the reason: no
// gateway, or every protocol's answer); portmap.appeared / .renewed / .failed / .lost /
// .deleted events; every mapping deleted at stop. With UPnP on and portmap.pinholes, also
// IPv6 pinholes (PinholeKeeper) for the node port (UDP and TCP) on each global/ULA IPv6
// address of the IPv6 default route's interface, and pinholes added through the API; they
// share the mappings' ids, list, events and status line. Loop thread only.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/loop/loop.hpp"
#include "core/net/interface_service.hpp"
#include "core/observe/events.hpp"
#include "core/observe/status_board.hpp"
#include "core/portmap/pinhole_keeper.hpp"
#include "core/portmap/port_mapper.hpp"

namespace p2pd::portmap {

struct PortmapNodeOptions {
  bool enabled = true;
  PortMapperOptions mapper;
  std::uint16_t node_port = 0;  // mapped for UDP and TCP when not 0
  std::optional<Gateway> gateway;  // instead of the IPv4 default route's (tests)
  bool pinholes = true;            // IPv6 pinholes through UPnP (needs mapper.upnp)
  PinholeKeeperOptions pinhole;    // its interface is the IPv6 default route's
};

// A mapping asked for through the API.
struct PortmapAdd {
  Protocol protocol = Protocol::udp;
  std::uint16_t internal_port = 0;
  std::uint16_t external_port = 0;  // a suggestion; 0: any
  std::uint32_t lifetime_s = 0;     // 0: portmap.lease_s
  bool pinhole = false;             // an IPv6 pinhole instead of a mapping
  std::optional<net::IpAddress> address;  // the pinhole's (default: the first pinhole address)
};

nlohmann::json to_json(const MapEntry& entry);

class PortmapNode {
 public:
  using JsonDone = std::function<void(Result<nlohmann::json>)>;

  // `events` and `status` may be null.
  PortmapNode(loop::Loop& loop, PortmapNodeOptions options, net::InterfaceService* interfaces,
              observe::EventBus* events, observe::StatusBoard* status);

  void start();  // after the interface service has its first snapshot
  // Deletes every mapping on the gateway; done within bound_ms (at once with none).
  void shutdown(std::uint64_t bound_ms, std::function<void()> done);

  // Drops the mapper and every socket and timer it holds (after shutdown, or instead).
  void close();

  // GET /v1/portmaps: {"enabled","gateway","method","reason","portmaps":[ENTRY...]}.
  nlohmann::json list() const;
  // Error "not_found" for an unknown id.
  Result<nlohmann::json> get(std::uint64_t id) const;
  // Maps a port: done gets ENTRY once granted, or the answers of every protocol (error
  // "portmap_failed"; the mapping is then forgotten). Error "unavailable" when mapping
  // is switched off, there is no gateway, or the daemon is stopping.
  void add(const PortmapAdd& request, JsonDone done);
  // Deletes a mapping added through the API on the gateway; done gets
  // {"deleted": id, "gateway_confirmed": bool, "reason"?}. Errors: "not_found", "conflict"
  // (the node port's mappings belong to the daemon), "unavailable".
  void remove(std::uint64_t id, JsonDone done);

  const PortMapper* mapper() const { return mapper_.get(); }
  const PinholeKeeper* pinholes() const { return pinholes_.get(); }

 private:
  void start_pinholes();
  void on_change(const MapEntry& entry, std::string_view what);
  void on_pinhole(const PinholeEntry& entry, std::string_view what);
  void settle(std::uint64_t id, std::string_view what, nlohmann::json j, const std::optional<Error>& error);
  nlohmann::json pinhole_json(const PinholeEntry& entry) const;
  nlohmann::json firewall_json() const;
  void set_status();
  nlohmann::json entry_json(const MapEntry& entry) const;
  Error unavailable() const;

  loop::Loop& loop_;
  PortmapNodeOptions options_;
  net::InterfaceService* interfaces_;
  observe::EventBus* events_;
  observe::StatusBoard* status_;
  std::unique_ptr<PortMapper> mapper_;
  std::unique_ptr<PinholeKeeper> pinholes_;
  std::vector<net::IpAddress> pinhole_addresses_;
  std::string pinhole_interface_;
  std::string pinhole_off_reason_ = "IPv6 pinholes have not started yet";
  std::uint64_t next_id_ = 1;              // mappings and pinholes share ids
  std::string off_reason_ = "port mapping has not started yet";  // while there is no mapper
  std::set<std::uint64_t> node_ids_;       // the node port's mappings and pinholes
  std::map<std::uint64_t, JsonDone> adding_;  // API adds waiting for their first outcome
  bool stopping_ = false;
};

}  // namespace p2pd::portmap
