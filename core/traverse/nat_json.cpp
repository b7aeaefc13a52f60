#include "core/traverse/nat_json.hpp"

#include <string>

namespace p2pd::traverse {

nlohmann::json to_json(const NatResult& r) {
  nlohmann::json j{
      {"interface", r.interface},
      {"family", r.family == net::Family::v4 ? "ipv4" : "ipv6"},
      {"local", r.local ? nlohmann::json(r.local->to_string()) : nlohmann::json(nullptr)},
      {"type", std::string(name(r.type))},
      {"mapping", std::string(name(r.mapping))},
      {"filtering", std::string(name(r.filtering))},
      {"delta", {{"type", std::string(name(r.delta))}, {"value", r.delta_value}}},
      {"external", r.external ? nlohmann::json(r.external->to_string()) : nlohmann::json(nullptr)},
      {"confirmed", r.confirmed},
      {"nat", r.nat},
      {"tcp_answered", r.tcp_answered},
      {"server", r.server},
      {"reason", r.reason},
      {"finished_at_ms", r.finished_ms},
      {"elapsed_ms", r.finished_ms - r.started_ms},
      {"requests", r.requests},
  };
  return j;
}

}  // namespace p2pd::traverse
