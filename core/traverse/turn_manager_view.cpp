// The JSON views of TURN allocations (GET /v1/turn, GET /v1/turn/<id>): no passwords.
#include "core/traverse/turn_address.hpp"
#include "core/traverse/turn_manager_entry.hpp"

namespace p2pd::traverse::turn {

namespace {

using nlohmann::json;

json endpoint_or_null(const std::optional<net::Endpoint>& ep) { return ep ? json(ep->to_string()) : json(nullptr); }

double seconds_until(std::uint64_t at_ms, std::uint64_t now_ms) {
  return at_ms > now_ms ? static_cast<double>(at_ms - now_ms) / 1000.0 : 0.0;
}

json server_json(const TurnServer& s) {
  json j = {{"host", s.host}, {"port", s.port}, {"transport", transport_name(s.transport)}, {"username", s.username}};
  if (s.transport == ServerTransport::tls) {
    j["server_name"] = s.tls_name();
    j["ca_file"] = s.ca_file.empty() ? json(nullptr) : json(s.ca_file);
  }
  return j;
}

json counters_json(const AllocationCounters& c, std::uint64_t retransmits) {
  return {{"bytes_sent", c.bytes_sent},
          {"bytes_received", c.bytes_received},
          {"datagrams_sent", c.datagrams_sent},
          {"datagrams_received", c.datagrams_received},
          {"channel_data_sent", c.channel_data_sent},
          {"send_indications", c.send_indications},
          {"dropped", c.dropped},
          {"refreshes", c.refreshes},
          {"permission_refreshes", c.permission_refreshes},
          {"channel_refreshes", c.channel_refreshes},
          {"stale_nonces", c.stale_nonces},
          {"retransmits", retransmits}};
}

}  // namespace

json TurnManager::view(const Entry& e) const {
  const std::uint64_t now = loop_.now_ms();
  const TurnClient& c = *e.client;
  json out = {{"id", e.id},
              {"state", state_name(c.state())},
              {"relay", e.request.tcp_relay ? "tcp" : "udp"},
              {"family", e.request.family == AddressFamily::v6 ? "ipv6" : "ipv4"},
              {"relayed", endpoint_or_null(c.relayed())},
              {"mapped", endpoint_or_null(c.mapped())},
              {"local", endpoint_or_null(c.local())},
              {"server", c.server() ? server_json(*c.server()) : json(nullptr)},
              {"server_address", endpoint_or_null(c.server_endpoint())},
              {"default_peer", endpoint_or_null(e.request.peer)},
              {"pipe", e.pipe ? json(*e.pipe) : json(nullptr)},
              {"connections", e.connection_pipes},
              {"age_s", static_cast<double>(now - e.created_at) / 1000.0},
              {"attempts", c.attempts()},
              {"failure", e.failure ? json{{"code", e.failure->code}, {"message", e.failure->message}} : json(nullptr)}};
  if (e.pipe_error) out["pipe_error"] = *e.pipe_error;
  json permissions = json::array(), channels = json::array();
  if (const Allocation* a = c.allocation()) {
    out["lifetime_s"] = a->lifetime_s();
    out["expires_in_s"] = seconds_until(a->expires_at_ms(), now);
    for (const auto& p : a->permissions())
      permissions.push_back({{"peer", to_endpoint(p.peer).address.to_string()},
                             {"installed", p.installed},
                             {"pinned", p.pinned},
                             {"expires_in_s", seconds_until(p.expires_at_ms, now)}});
    for (const auto& ch : a->channels())
      channels.push_back({{"number", ch.number},
                          {"peer", to_text(ch.peer)},
                          {"bound", ch.bound},
                          {"expires_in_s", seconds_until(ch.expires_at_ms, now)}});
    out["counters"] = counters_json(a->counters(), a->retransmits());
  } else {
    out["lifetime_s"] = nullptr;
    out["expires_in_s"] = nullptr;
    out["counters"] = nullptr;
  }
  out["permissions"] = permissions;
  out["channels"] = channels;
  return out;
}

json TurnManager::list() const {
  json servers = json::array();
  for (std::size_t i = 0; i < options_.servers.size(); ++i) {
    json s = server_json(options_.servers[i]);
    s["index"] = i;
    servers.push_back(s);
  }
  json allocations = json::array();
  for (const auto& [id, e] : entries_) allocations.push_back(view(*e));
  return {{"servers", servers}, {"allocations", allocations}};
}

Result<json> TurnManager::get(const std::string& id) const {
  auto it = entries_.find(id);
  if (it == entries_.end()) return Error{"not_found", "no allocation " + id};
  return view(*it->second);
}

}  // namespace p2pd::traverse::turn
