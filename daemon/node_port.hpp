#pragma once
// The daemon's peer port (UDP and TCP): what other daemons connect to, what port
// mapping asks the router for, and what goes into our peer address. `node.port` 0 in
// the config means "pick one": a random free port is chosen on first start and kept in
// <state>/node.port, so that the peer address stays stable across restarts.
#include <cstdint>
#include <string>

#include "core/result.hpp"

namespace p2pd::daemon {

struct NodePort {
  std::uint16_t port = 0;
  std::string source;  // "config", "state" (node.port file) or "chosen"
};

// configured != 0: that port. Else the port in <state_dir>/node.port; else a port in
// [20000, 60000) that is free for UDP and TCP now, written there (0600, atomically).
// A node.port file that does not hold a port number is an error, never replaced.
Result<NodePort> resolve_node_port(const std::string& state_dir, int configured);

}  // namespace p2pd::daemon
