// The Config struct tree back to JSON: in full (internal) and redacted (for display).
#include "config/config_convert.hpp"

namespace p2pd::config {

namespace detail {

nlohmann::json to_json(const Config& c) {
  using nlohmann::json;
  json turn_servers = json::array();
  for (const auto& s : c.turn.servers) {
    json server = {{"host", s.host},
                   {"port", s.port},
                   {"transport", s.transport},
                   {"username", s.username},
                   {"password", s.password}};
    if (!s.ca_file.empty()) server["ca_file"] = s.ca_file;
    if (!s.server_name.empty()) server["server_name"] = s.server_name;
    turn_servers.push_back(std::move(server));
  }
  return {
      {"api",
       {{"listen", c.api.listen},
        {"token_required", c.api.token_required},
        {"max_body", c.api.max_body},
        {"threads", c.api.threads},
        {"max_long_polls", c.api.max_long_polls},
        {"bridge_timeout_ms", c.api.bridge_timeout_ms},
        {"keep_alive_timeout_s", c.api.keep_alive_timeout_s}}},
      {"log", {{"level", c.log.level}}},
      {"node",
       {{"port", c.node.port},
        {"interfaces",
         {{"include", c.node.interfaces.include}, {"exclude", c.node.interfaces.exclude}}}}},
      {"stun",
       {{"servers", c.stun.servers},
        {"timeout_ms", c.stun.timeout_ms},
        {"rto_ms", c.stun.rto_ms},
        {"rc", c.stun.rc},
        {"rm", c.stun.rm},
        {"filter_timeout_ms", c.stun.filter_timeout_ms}}},
      {"turn", {{"servers", turn_servers}, {"lifetime_s", c.turn.lifetime_s}, {"timeout_ms", c.turn.timeout_ms}}},
      {"signaling", {{"mqtt", {{"brokers", c.signaling.mqtt.brokers}}}}},
      {"portmap",
       {{"enabled", c.portmap.enabled},
        {"upnp", c.portmap.upnp},
        {"natpmp", c.portmap.natpmp},
        {"pcp", c.portmap.pcp},
        {"pinholes", c.portmap.pinholes},
        {"lease_s", c.portmap.lease_s}}},
      {"pipes",
       {{"queue_messages", c.pipes.queue_messages},
        {"queue_bytes", c.pipes.queue_bytes},
        {"max_pipes", c.pipes.max_pipes},
        {"max_subs", c.pipes.max_subs},
        {"send_backlog", c.pipes.send_backlog},
        {"max_udp_senders", c.pipes.max_udp_senders},
        {"connect_timeout_ms", c.pipes.connect_timeout_ms},
        {"relay_buffer", c.pipes.relay_buffer}}},
  };
}

}  // namespace detail

nlohmann::json to_redacted_json(const Config& config) {
  try {
    auto j = detail::to_json(config);
    for (auto& server : j["turn"]["servers"]) server["password"] = "***";
    return j;
  } catch (const std::exception&) {
    // Building the tree only throws on allocation failure; never let it escape.
    return nlohmann::json::object();
  }
}

}  // namespace p2pd::config
