#include "core/observe/status_board.hpp"

namespace p2pd::observe {

std::string_view readiness_name(Readiness r) {
  switch (r) {
    case Readiness::starting: return "starting";
    case Readiness::ready: return "ready";
    case Readiness::degraded: return "degraded";
    case Readiness::off: return "off";
  }
  return "off";
}

void StatusBoard::set(const std::string& subsystem, Readiness state, std::string reason, std::uint64_t now_ms) {
  auto& e = entries_[subsystem];
  if (e.state != state || e.since_ms == 0) e.since_ms = now_ms;
  e.state = state;
  e.reason = std::move(reason);
}

Readiness StatusBoard::get(const std::string& subsystem) const {
  auto it = entries_.find(subsystem);
  return it == entries_.end() ? Readiness::off : it->second.state;
}

nlohmann::json StatusBoard::to_json() const {
  auto out = nlohmann::json::object();
  for (const auto& [name, e] : entries_)
    out[name] = {{"state", readiness_name(e.state)}, {"reason", e.reason}, {"since_ms", e.since_ms}};
  return out;
}

}  // namespace p2pd::observe
