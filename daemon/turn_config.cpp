#include "daemon/turn_config.hpp"

namespace p2pd::daemon {

std::vector<traverse::turn::TurnServer> turn_servers(const config::Turn& turn) {
  using traverse::turn::ServerTransport;
  std::vector<traverse::turn::TurnServer> out;
  for (const auto& s : turn.servers) {
    traverse::turn::TurnServer t;
    t.host = s.host;
    t.port = static_cast<std::uint16_t>(s.port);
    t.transport = s.transport == "tcp" ? ServerTransport::tcp : s.transport == "tls" ? ServerTransport::tls
                                                                                     : ServerTransport::udp;
    t.username = s.username;
    t.password = s.password;
    t.ca_file = s.ca_file;
    t.server_name = s.server_name;
    out.push_back(std::move(t));
  }
  return out;
}

traverse::turn::ManagerOptions turn_options(const config::Turn& turn) {
  traverse::turn::ManagerOptions o;
  o.servers = turn_servers(turn);
  o.lifetime_s = static_cast<std::uint32_t>(turn.lifetime_s);
  o.timing.timeout_ms = static_cast<std::uint64_t>(turn.timeout_ms);
  return o;
}

}  // namespace p2pd::daemon
