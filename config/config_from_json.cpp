// Validation and conversion of the merged config JSON into the Config struct tree.
#include <optional>
#include <string>

#include "config/config_convert.hpp"
#include "config/config_reader.hpp"
#include "core/net/endpoint.hpp"

namespace p2pd::config::detail {
namespace {

using nlohmann::json;

std::optional<std::string> check_listen(const std::string& text) {
  auto ep = net::ListenEndpoint::parse(text);
  if (!ep) return "not an endpoint: " + ep.error().message;
  return std::nullopt;
}

std::optional<std::string> check_host_port(const std::string& text) {
  auto hp = net::HostPort::parse(text);
  if (!hp) return "not host:port: " + hp.error().message;
  return std::nullopt;
}

StringCheck one_of(std::vector<std::string> allowed) {
  return [allowed = std::move(allowed)](const std::string& v) -> std::optional<std::string> {
    std::string list;
    for (const auto& a : allowed) {
      if (a == v) return std::nullopt;
      list += (list.empty() ? "" : "|") + a;
    }
    return "must be one of " + list + ", not \"" + v + "\"";
  };
}

std::optional<std::string> check_not_empty(const std::string& v) {
  if (v.empty()) return "must not be empty";
  return std::nullopt;
}

void read_api(Reader& r, const json& root, Api& api) {
  const std::string path = "api";
  const json* j = r.member(root, "", path);
  if (!j || !r.object(*j, path, {"listen", "token_required", "max_body", "threads",
                                  "max_long_polls", "bridge_timeout_ms",
                                  "keep_alive_timeout_s"})) {
    return;
  }
  r.string_list(*j, path, "listen", api.listen, check_listen);
  if (auto l = j->find("listen"); l != j->end() && l->is_array() && l->empty()) {
    r.error("api.listen", "must name at least one listener");
  }
  r.boolean(*j, path, "token_required", api.token_required);
  r.unsigned64(*j, path, "max_body", api.max_body, 1);
  r.integer(*j, path, "threads", api.threads, 1, 64);
  r.integer(*j, path, "max_long_polls", api.max_long_polls, 1, 1000000);
  r.integer(*j, path, "bridge_timeout_ms", api.bridge_timeout_ms, 10, 60000);
  r.integer(*j, path, "keep_alive_timeout_s", api.keep_alive_timeout_s, 0, 60);
}

void read_log(Reader& r, const json& root, Log& log) {
  const json* j = r.member(root, "", "log");
  if (!j || !r.object(*j, "log", {"level"})) return;
  r.string(*j, "log", "level", log.level,
           one_of({"trace", "debug", "info", "warn", "error", "critical", "off"}));
}

void read_node(Reader& r, const json& root, Node& node) {
  const json* j = r.member(root, "", "node");
  if (!j || !r.object(*j, "node", {"port", "interfaces"})) return;
  r.integer(*j, "node", "port", node.port, 0, 65535);
  const json* ifs = r.member(*j, "node", "interfaces");
  if (!ifs || !r.object(*ifs, "node.interfaces", {"include", "exclude"})) return;
  r.string_list(*ifs, "node.interfaces", "include", node.interfaces.include, check_not_empty);
  r.string_list(*ifs, "node.interfaces", "exclude", node.interfaces.exclude, check_not_empty);
}

void read_stun(Reader& r, const json& root, Stun& stun) {
  const json* j = r.member(root, "", "stun");
  if (!j || !r.object(*j, "stun", {"servers", "timeout_ms", "rto_ms", "rc", "rm", "filter_timeout_ms"})) return;
  r.string_list(*j, "stun", "servers", stun.servers, check_host_port);
  r.integer(*j, "stun", "timeout_ms", stun.timeout_ms, 100, 60000);
  r.integer(*j, "stun", "rto_ms", stun.rto_ms, 10, 10000);
  r.integer(*j, "stun", "rc", stun.rc, 1, 20);
  r.integer(*j, "stun", "rm", stun.rm, 1, 64);
  r.integer(*j, "stun", "filter_timeout_ms", stun.filter_timeout_ms, 100, 60000);
}

std::optional<std::string> check_host(const std::string& host) {
  // A host is whatever HostPort accepts before ":port" (IPv6 literals without brackets).
  bool v6 = host.find(':') != std::string::npos;
  if (net::HostPort::parse(v6 ? "[" + host + "]:1" : host + ":1")) return std::nullopt;
  return "not a host name or IP address: \"" + host + "\"";
}

std::optional<std::string> check_absolute_path(const std::string& path) {
  if (path.empty() || path[0] != '/') return "must be an absolute path, not \"" + path + "\"";
  return std::nullopt;
}

void read_turn_server(Reader& r, const json& j, const std::string& path, TurnServer& out) {
  if (!r.object(j, path, {"host", "port", "transport", "username", "password", "ca_file", "server_name"})) return;
  r.string(j, path, "host", out.host, check_host);
  r.integer(j, path, "port", out.port, 1, 65535, /*required=*/false);
  r.string(j, path, "transport", out.transport, one_of({"udp", "tcp", "tls"}), false);
  r.string(j, path, "username", out.username, check_not_empty);
  r.string(j, path, "password", out.password, check_not_empty);
  r.string(j, path, "ca_file", out.ca_file, check_absolute_path, false);
  r.string(j, path, "server_name", out.server_name, check_host, false);
  // The TLS settings mean nothing on plain transports: a mistake worth saying so.
  for (const char* key : {"ca_file", "server_name"}) {
    if (j.contains(key) && out.transport != "tls")
      r.error(path + "." + key, "only for transport \"tls\" (this server's transport is \"" + out.transport + "\")");
  }
}

void read_turn(Reader& r, const json& root, Turn& turn) {
  const json* j = r.member(root, "", "turn");
  if (!j || !r.object(*j, "turn", {"servers", "lifetime_s", "timeout_ms"})) return;
  r.integer(*j, "turn", "lifetime_s", turn.lifetime_s, 30, 86400);
  r.integer(*j, "turn", "timeout_ms", turn.timeout_ms, 500, 120000);
  const json* servers = r.member(*j, "turn", "servers");
  if (!servers) return;
  if (!servers->is_array()) return r.error("turn.servers", "expected an array of objects");
  turn.servers.clear();
  for (std::size_t i = 0; i < servers->size(); ++i) {
    TurnServer server;
    read_turn_server(r, (*servers)[i], index_path("turn.servers", i), server);
    turn.servers.push_back(std::move(server));
  }
}

void read_signaling(Reader& r, const json& root, Signaling& signaling) {
  const json* j = r.member(root, "", "signaling");
  if (!j || !r.object(*j, "signaling", {"mqtt"})) return;
  const json* mqtt = r.member(*j, "signaling", "mqtt");
  if (!mqtt || !r.object(*mqtt, "signaling.mqtt", {"brokers"})) return;
  r.string_list(*mqtt, "signaling.mqtt", "brokers", signaling.mqtt.brokers, check_host_port);
}

void read_portmap(Reader& r, const json& root, Portmap& portmap) {
  const json* j = r.member(root, "", "portmap");
  if (!j || !r.object(*j, "portmap", {"enabled", "upnp", "natpmp", "pcp", "pinholes", "lease_s"})) return;
  r.boolean(*j, "portmap", "enabled", portmap.enabled);
  r.boolean(*j, "portmap", "upnp", portmap.upnp);
  r.boolean(*j, "portmap", "natpmp", portmap.natpmp);
  r.boolean(*j, "portmap", "pcp", portmap.pcp);
  r.boolean(*j, "portmap", "pinholes", portmap.pinholes);
  int lease = portmap.lease_s;
  r.integer(*j, "portmap", "lease_s", lease, 0, 604800);
  if (lease != 0 && lease < 60) {
    r.error("portmap.lease_s", "must be 0 (permanent) or 60-604800, not " + std::to_string(lease));
  } else {
    portmap.lease_s = lease;
  }
}

void read_pipes(Reader& r, const json& root, Pipes& pipes) {
  const json* j = r.member(root, "", "pipes");
  if (!j || !r.object(*j, "pipes", {"queue_messages", "queue_bytes", "max_pipes", "max_subs", "send_backlog",
                                         "max_udp_senders", "connect_timeout_ms", "relay_buffer"}))
    return;
  r.integer(*j, "pipes", "queue_messages", pipes.queue_messages, 1, 1000000);
  // At least one largest datagram (or cut line): a smaller bound would drop every such message.
  r.integer(*j, "pipes", "queue_bytes", pipes.queue_bytes, 65536, 1 << 30);
  r.integer(*j, "pipes", "max_pipes", pipes.max_pipes, 1, 1000000);
  r.integer(*j, "pipes", "max_subs", pipes.max_subs, 0, 1024);
  r.integer(*j, "pipes", "send_backlog", pipes.send_backlog, 65536, 1 << 30);
  r.integer(*j, "pipes", "max_udp_senders", pipes.max_udp_senders, 1, 1000000);
  r.integer(*j, "pipes", "connect_timeout_ms", pipes.connect_timeout_ms, 100, 120000);
  r.integer(*j, "pipes", "relay_buffer", pipes.relay_buffer, 65536, 1 << 30);
}

}  // namespace

Config from_json(const json& root, std::vector<ConfigError>& errors) {
  Reader r(errors);
  Config config;
  if (!r.object(root, "", {"api", "log", "node", "stun", "turn", "signaling", "portmap", "pipes"})) {
    return config;
  }
  read_api(r, root, config.api);
  read_log(r, root, config.log);
  read_node(r, root, config.node);
  read_stun(r, root, config.stun);
  read_turn(r, root, config.turn);
  read_signaling(r, root, config.signaling);
  read_portmap(r, root, config.portmap);
  read_pipes(r, root, config.pipes);
  return config;
}

}  // namespace p2pd::config::detail
