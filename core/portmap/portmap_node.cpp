#include "core/portmap/portmap_node.hpp"

#include <utility>

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
    off_reason_ = reason;
    if (status_) status_->set("portmap", r, std::move(reason), loop_.now_ms());
  };
  if (!options_.enabled) return set(Readiness::off, "switched off (portmap.enabled is false)");
  if (!options_.mapper.pcp && !options_.mapper.natpmp && !options_.mapper.upnp)
    return set(Readiness::off, "PCP, NAT-PMP and UPnP IGD are switched off (portmap.pcp, .natpmp, .upnp)");
  auto gateway = options_.gateway ? Result<Gateway>(*options_.gateway)
                                  : default_gateway(interfaces_->snapshot(), net::Family::v4);
  if (!gateway) {
    spdlog::info("portmap: {}", gateway.error().message);
    return set(Readiness::degraded, gateway.error().message + ": nothing to map on");
  }
  mapper_ = std::make_unique<PortMapper>(loop_, *gateway, options_.mapper,
                                         [this](const MapEntry& e, std::string_view what) { on_change(e, what); });
  if (options_.node_port != 0) {
    node_ids_.insert(mapper_->add(Protocol::udp, options_.node_port));
    node_ids_.insert(mapper_->add(Protocol::tcp, options_.node_port));
  }
  set(Readiness::starting, "asking gateway " + gateway->to_string());
}

Error PortmapNode::unavailable() const {
  if (stopping_) return Error{"unavailable", "the daemon is stopping"};
  return Error{"unavailable", "port mapping is unavailable: " + off_reason_};
}

nlohmann::json PortmapNode::entry_json(const MapEntry& e) const {
  auto j = to_json(e);
  j["owner"] = node_ids_.count(e.id) ? "node" : "api";
  j["requested"] = {{"external_port", e.request.external_port}, {"lifetime_s", e.request.lifetime_s}};
  if (mapper_) j["gateway"] = mapper_->gateway().to_string();
  if (e.mapping && e.expires_ms > 0) {
    const auto now = loop_.now_ms();
    j["expires_in_s"] = e.expires_ms > now ? static_cast<double>(e.expires_ms - now) / 1000.0 : 0.0;
  }
  return j;
}

nlohmann::json PortmapNode::list() const {
  nlohmann::json out = {{"enabled", mapper_ != nullptr}, {"portmaps", nlohmann::json::array()}};
  if (!mapper_) {
    out["reason"] = unavailable().message;
    return out;
  }
  out["gateway"] = mapper_->gateway().to_string();
  out["method"] = mapper_->method() ? nlohmann::json(method_name(*mapper_->method())) : nlohmann::json(nullptr);
  for (const auto& [id, e] : mapper_->entries()) out["portmaps"].push_back(entry_json(e));
  return out;
}

Result<nlohmann::json> PortmapNode::get(std::uint64_t id) const {
  if (!mapper_) return unavailable();
  auto it = mapper_->entries().find(id);
  if (it == mapper_->entries().end()) return Error{"not_found", "no port mapping " + std::to_string(id)};
  return entry_json(it->second);
}

void PortmapNode::add(const PortmapAdd& r, JsonDone done) {
  if (!mapper_ || stopping_) return done(unavailable());
  const auto id = mapper_->add(r.protocol, r.internal_port, r.external_port, r.lifetime_s);
  adding_[id] = std::move(done);
}

void PortmapNode::remove(std::uint64_t id, JsonDone done) {
  if (!mapper_ || stopping_) return done(unavailable());
  auto it = mapper_->entries().find(id);
  if (it == mapper_->entries().end()) return done(Error{"not_found", "no port mapping " + std::to_string(id)});
  if (node_ids_.count(id))
    return done(Error{"conflict", "mapping " + std::to_string(id) +
                                      " is the node port's: the daemon keeps it (switch portmap off instead)"});
  auto j = entry_json(it->second);
  if (auto waiter = adding_.extract(id)) waiter.mapped()(Error{"closed", "deleted before it was granted"});
  const bool granted = it->second.mapping.has_value();
  mapper_->remove(id, [this, id, j, granted, done = std::move(done)](Status st) mutable {
    nlohmann::json answer = {{"deleted", id}, {"gateway_confirmed", granted && st.ok()}};
    if (!st) answer["reason"] = st.error().message;
    if (events_) events_->publish("portmap.deleted", j, loop_.now_ms());
    spdlog::info("portmap: {} {} deleted{}", j.value("protocol", "?"), j.value("internal_port", 0),
                 st ? "" : " (the gateway did not confirm: " + st.error().message + ")");
    done(std::move(answer));
    set_status();
  });
}

void PortmapNode::on_change(const MapEntry& e, std::string_view what) {
  auto j = entry_json(e);
  if (events_) events_->publish("portmap." + std::string(what), j, loop_.now_ms());
  if (what == "renewed") {
    spdlog::debug("portmap: {} {} renewed", protocol_name(e.request.protocol), e.request.internal_port);
  } else {
    spdlog::info("portmap: {} {} {}{}", protocol_name(e.request.protocol), e.request.internal_port, what,
                 e.mapping ? " as " + e.mapping->external.to_string() + " (" +
                                 std::string(method_name(e.mapping->method)) + ")"
                           : (e.error ? ": " + e.error->message : std::string()));
  }
  if (auto waiter = adding_.find(e.id); waiter != adding_.end() && (what == "appeared" || what == "failed")) {
    auto done = std::move(waiter->second);
    adding_.erase(waiter);
    if (what == "appeared") {
      done(std::move(j));
    } else {
      // An API mapping that no protocol could make is not kept trying: the caller hears why.
      Error why{"portmap_failed", "gateway " + mapper_->gateway().to_string() + ": " +
                                      (e.error ? e.error->message : std::string("failed"))};
      mapper_->remove(e.id);
      done(std::move(why));
    }
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
  stopping_ = true;
  for (auto& [id, waiter] : std::exchange(adding_, {})) waiter(unavailable());
  if (!mapper_) return done();
  mapper_->shutdown(bound_ms, std::move(done));
}

void PortmapNode::close() {
  stopping_ = true;
  for (auto& [id, waiter] : std::exchange(adding_, {})) waiter(unavailable());
  mapper_.reset();
}

}  // namespace p2pd::portmap
