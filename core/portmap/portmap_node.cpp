#include "core/portmap/portmap_node.hpp"

#include <spdlog/spdlog.h>

namespace p2pd::portmap {

using observe::Readiness;

nlohmann::json to_json(const MapEntry& e) {
  nlohmann::json j = {{"id", e.id},
                      {"protocol", protocol_name(e.request.protocol)},
                      {"internal_port", e.request.internal_port},
                      {"state", map_state_name(e.state)},
                      {"renewals", e.renewals}};
  if (e.mapping) {
    j["external"] = e.mapping->external.to_string();
    j["method"] = method_name(e.mapping->method);
    j["lifetime_s"] = e.mapping->lifetime_s;
  }
  if (e.error) j["error"] = {{"code", e.error->code}, {"message", e.error->message}};
  return j;
}

PortmapNode::PortmapNode(loop::Loop& loop, PortmapNodeOptions options, net::InterfaceService* interfaces,
                         observe::EventBus* events, observe::StatusBoard* status)
    : loop_(loop), options_(options), interfaces_(interfaces), events_(events), status_(status) {}

void PortmapNode::start() {
  auto set = [this](Readiness r, std::string reason) {
    if (status_) status_->set("portmap", r, std::move(reason), loop_.now_ms());
  };
  if (!options_.enabled) return set(Readiness::off, "switched off (portmap.enabled is false)");
  if (!options_.mapper.pcp && !options_.mapper.natpmp)
    return set(Readiness::off, "PCP and NAT-PMP are switched off (UPnP IGD is not in this build yet)");
  auto gateway = default_gateway(interfaces_->snapshot(), net::Family::v4);
  if (!gateway) {
    spdlog::info("portmap: {}", gateway.error().message);
    return set(Readiness::degraded, gateway.error().message + ": nothing to map on");
  }
  mapper_ = std::make_unique<PortMapper>(loop_, *gateway, options_.mapper,
                                         [this](const MapEntry& e, std::string_view what) { on_change(e, what); });
  if (options_.node_port != 0) {
    mapper_->add(Protocol::udp, options_.node_port);
    mapper_->add(Protocol::tcp, options_.node_port);
  }
  set(Readiness::starting, "asking gateway " + gateway->to_string());
}

void PortmapNode::on_change(const MapEntry& e, std::string_view what) {
  auto j = to_json(e);
  j["gateway"] = mapper_->gateway().to_string();
  if (events_) events_->publish("portmap." + std::string(what), j, loop_.now_ms());
  if (what == "renewed") {
    spdlog::debug("portmap: {} {} renewed", protocol_name(e.request.protocol), e.request.internal_port);
  } else {
    spdlog::info("portmap: {} {} {}{}", protocol_name(e.request.protocol), e.request.internal_port, what,
                 e.mapping ? " as " + e.mapping->external.to_string() + " (" +
                                 std::string(method_name(e.mapping->method)) + ")"
                           : (e.error ? ": " + e.error->message : std::string()));
  }
  set_status();
}

void PortmapNode::set_status() {
  if (!status_ || !mapper_) return;
  std::string mapped, failed;
  bool pending = false;
  for (const auto& [id, e] : mapper_->entries()) {
    const std::string name = std::string(protocol_name(e.request.protocol)) + " " + std::to_string(e.request.internal_port);
    if (e.state == MapState::mapped) {
      mapped += (mapped.empty() ? "" : ", ") + name + " -> " + e.mapping->external.to_string() + " (" +
                std::string(method_name(e.mapping->method)) + ")";
    } else if (e.state == MapState::failed) {
      failed += (failed.empty() ? "" : "; ") + name + ": " + (e.error ? e.error->message : "failed");
    } else {
      pending = true;
    }
  }
  const auto now = loop_.now_ms();
  if (!failed.empty()) {
    status_->set("portmap", Readiness::degraded,
                 "gateway " + mapper_->gateway().to_string() + ": " + failed + (mapped.empty() ? "" : "; mapped " + mapped),
                 now);
  } else if (!pending) {
    status_->set("portmap", Readiness::ready, "mapped " + mapped, now);
  }
}

void PortmapNode::shutdown(std::uint64_t bound_ms, std::function<void()> done) {
  if (!mapper_) return done();
  mapper_->shutdown(bound_ms, std::move(done));
}

}  // namespace p2pd::portmap
