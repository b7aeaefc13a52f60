#pragma once
// What the daemon owns for port mapping: at start, the IPv4 default gateway from the
// interface view and a PortMapper for it mapping the node port (UDP and TCP); the
// "portmap" status line (off when switched off, starting, ready with the external
// endpoints, degraded with the reason: no gateway, or every protocol's answer);
// portmap.appeared / .renewed / .failed / .lost events; every mapping deleted at stop.
// Loop thread only.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/loop/loop.hpp"
#include "core/net/interface_service.hpp"
#include "core/observe/events.hpp"
#include "core/observe/status_board.hpp"
#include "core/portmap/port_mapper.hpp"

namespace p2pd::portmap {

struct PortmapNodeOptions {
  bool enabled = true;
  PortMapperOptions mapper;
  std::uint16_t node_port = 0;  // mapped for UDP and TCP when not 0
};

nlohmann::json to_json(const MapEntry& entry);

class PortmapNode {
 public:
  // `events` and `status` may be null.
  PortmapNode(loop::Loop& loop, PortmapNodeOptions options, net::InterfaceService* interfaces,
              observe::EventBus* events, observe::StatusBoard* status);

  void start();  // after the interface service has its first snapshot
  // Deletes every mapping on the gateway; done within bound_ms (at once with none).
  void shutdown(std::uint64_t bound_ms, std::function<void()> done);

  // Drops the mapper and every socket and timer it holds (after shutdown, or instead).
  void close() { mapper_.reset(); }

  const PortMapper* mapper() const { return mapper_.get(); }

 private:
  void on_change(const MapEntry& entry, std::string_view what);
  void set_status();

  loop::Loop& loop_;
  PortmapNodeOptions options_;
  net::InterfaceService* interfaces_;
  observe::EventBus* events_;
  observe::StatusBoard* status_;
  std::unique_ptr<PortMapper> mapper_;
};

}  // namespace p2pd::portmap
