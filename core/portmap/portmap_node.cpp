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
  options_.mapper.next_id = [this] { return next_id_++; };
  auto gateway = options_.gateway ? Result<Gateway>(*options_.gateway)
                                  : default_gateway(interfaces_->snapshot(), net::Family::v4);
  start_pinholes();
  if (!gateway) {
    spdlog::info("portmap: {}", gateway.error().message);
    set(Readiness::degraded, gateway.error().message + ": nothing to map on");
    if (pinholes_) set_status();
    return;
  }
  mapper_ = std::make_unique<PortMapper>(loop_, *gateway, options_.mapper,
                                         [this](const MapEntry& e, std::string_view what) { on_change(e, what); });
  if (options_.node_port != 0) {
    node_ids_.insert(mapper_->add(Protocol::udp, options_.node_port));
    node_ids_.insert(mapper_->add(Protocol::tcp, options_.node_port));
  }
  set(Readiness::starting, "asking gateway " + gateway->to_string());
}

void PortmapNode::start_pinholes() {
  if (!options_.pinholes) {
    pinhole_off_reason_ = "switched off (portmap.pinholes is false)";
    return;
  }
  if (!options_.mapper.upnp) {
    pinhole_off_reason_ = "UPnP IGD is switched off (portmap.upnp is false)";
    return;
  }
  if (!interfaces_) {
    pinhole_off_reason_ = "no interface view";
    return;
  }
  const auto snapshot = interfaces_->snapshot();
  pinhole_addresses_ = pinhole_addresses(snapshot);
  if (pinhole_addresses_.empty()) {
    pinhole_off_reason_ = snapshot.default_v6 ? "no global or ULA IPv6 address on " + snapshot.default_v6->interface
                                              : std::string("no IPv6 default route");
    return;
  }
  PinholeKeeperOptions o = options_.pinhole;
  if (o.interface.empty()) o.interface = snapshot.default_v6->interface;
  pinhole_interface_ = o.interface;
  o.lease_s = pinhole_lease(options_.mapper.lease_s);
  o.retry_ms = options_.mapper.retry_ms;
  pinholes_ = std::make_unique<PinholeKeeper>(loop_, o, [this](const PinholeEntry& e, std::string_view what) {
    on_pinhole(e, what);
  });
  if (options_.node_port == 0) return;
  for (const auto& address : pinhole_addresses_)
    for (auto proto : {Protocol::udp, Protocol::tcp}) {
      const auto id = next_id_++;
      node_ids_.insert(id);
      pinholes_->add(id, address, options_.node_port, proto);
    }
}

Error PortmapNode::unavailable() const {
  if (stopping_) return Error{"unavailable", "the daemon is stopping"};
  return Error{"unavailable", "port mapping is unavailable: " + off_reason_};
}

nlohmann::json PortmapNode::entry_json(const MapEntry& e) const {
  auto j = to_json(e);
  j["kind"] = "mapping";
  j["owner"] = node_ids_.count(e.id) ? "node" : "api";
  j["requested"] = {{"external_port", e.request.external_port}, {"lifetime_s", e.request.lifetime_s}};
  if (mapper_) j["gateway"] = mapper_->gateway().to_string();
  if (e.mapping && e.expires_ms > 0) {
    const auto now = loop_.now_ms();
    j["expires_in_s"] = e.expires_ms > now ? static_cast<double>(e.expires_ms - now) / 1000.0 : 0.0;
  }
  return j;
}

nlohmann::json PortmapNode::pinhole_json(const PinholeEntry& e) const {
  auto j = to_json(e, loop_.now_ms());
  j["owner"] = node_ids_.count(e.id) ? "node" : "api";
  if (pinholes_ && pinholes_->igd()) j["gateway"] = pinholes_->igd()->control_url;
  return j;
}

nlohmann::json PortmapNode::firewall_json() const {
  if (!pinholes_) return {{"enabled", false}, {"reason", pinhole_off_reason_}};
  nlohmann::json j = {{"enabled", true}, {"interface", pinhole_interface_}};
  nlohmann::json addresses = nlohmann::json::array();
  for (const auto& a : pinhole_addresses_) addresses.push_back(a.to_string());
  j["addresses"] = addresses;
  if (const auto& igd = pinholes_->igd()) {
    j["igd"] = {{"root_url", igd->root_url}, {"control_url", igd->control_url}, {"service", igd->service_type},
                {"local_address", igd->local_address}};
  } else {
    j["igd"] = nullptr;
    if (pinholes_->discovery_error()) j["reason"] = pinholes_->discovery_error()->message;
  }
  return j;
}

nlohmann::json PortmapNode::list() const {
  nlohmann::json out = {{"enabled", mapper_ != nullptr || pinholes_ != nullptr}, {"portmaps", nlohmann::json::array()}};
  if (!mapper_) {
    out["reason"] = unavailable().message;
  } else {
    out["gateway"] = mapper_->gateway().to_string();
    out["method"] = mapper_->method() ? nlohmann::json(method_name(*mapper_->method())) : nlohmann::json(nullptr);
    for (const auto& [id, e] : mapper_->entries()) out["portmaps"].push_back(entry_json(e));
  }
  if (options_.enabled) out["pinholes"] = firewall_json();
  if (pinholes_)
    for (const auto& [id, e] : pinholes_->entries()) out["portmaps"].push_back(pinhole_json(e));
  return out;
}

Result<nlohmann::json> PortmapNode::get(std::uint64_t id) const {
  if (!mapper_ && !pinholes_) return unavailable();
  if (mapper_)
    if (auto it = mapper_->entries().find(id); it != mapper_->entries().end()) return entry_json(it->second);
  if (pinholes_)
    if (auto it = pinholes_->entries().find(id); it != pinholes_->entries().end()) return pinhole_json(it->second);
  return Error{"not_found", "no port mapping " + std::to_string(id)};
}

void PortmapNode::add(const PortmapAdd& r, JsonDone done) {
  if (stopping_) return done(unavailable());
  if (r.pinhole) {
    if (!pinholes_) return done(Error{"unavailable", "IPv6 pinholes are unavailable: " + pinhole_off_reason_});
    // Default: the address the IGD sees our requests come from, the one it will open.
    net::IpAddress address = pinhole_addresses_.front();
    if (r.address) {
      address = *r.address;
    } else if (const auto& igd = pinholes_->igd()) {
      if (auto seen = net::IpAddress::parse(igd->local_address); seen && seen->family == net::Family::v6) address = *seen;
    }
    if (address.family != net::Family::v6 || address.is_link_local() || address.is_loopback())
      return done(Error{"bad_request", "a pinhole is for a global or ULA IPv6 address, not " + address.to_string()});
    const auto id = next_id_++;
    adding_[id] = std::move(done);
    pinholes_->add(id, address, r.internal_port, r.protocol, r.lifetime_s);
    return;
  }
  if (!mapper_) return done(unavailable());
  const auto id = mapper_->add(r.protocol, r.internal_port, r.external_port, r.lifetime_s);
  adding_[id] = std::move(done);
}

void PortmapNode::remove(std::uint64_t id, JsonDone done) {
  if ((!mapper_ && !pinholes_) || stopping_) return done(unavailable());
  std::optional<nlohmann::json> j;
  bool granted = false, pinhole = false;
  if (mapper_)
    if (auto it = mapper_->entries().find(id); it != mapper_->entries().end()) {
      j = entry_json(it->second);
      granted = it->second.mapping.has_value();
    }
  if (!j && pinholes_)
    if (auto it = pinholes_->entries().find(id); it != pinholes_->entries().end()) {
      j = pinhole_json(it->second);
      granted = it->second.unique_id.has_value();
      pinhole = true;
    }
  if (!j) return done(Error{"not_found", "no port mapping " + std::to_string(id)});
  if (node_ids_.count(id))
    return done(Error{"conflict", std::string(pinhole ? "pinhole " : "mapping ") + std::to_string(id) +
                                      " is the node port's: the daemon keeps it (switch portmap off instead)"});
  if (auto waiter = adding_.extract(id)) waiter.mapped()(Error{"closed", "deleted before it was granted"});
  auto finish = [this, id, j = *j, granted, done = std::move(done)](Status st) mutable {
    nlohmann::json answer = {{"deleted", id}, {"gateway_confirmed", granted && st.ok()}};
    if (!st) answer["reason"] = st.error().message;
    if (events_) events_->publish("portmap.deleted", j, loop_.now_ms());
    spdlog::info("portmap: {} {} {} deleted{}", j.value("kind", "?"), j.value("protocol", "?"), j.value("external", "?"),
                 st ? "" : " (the gateway did not confirm: " + st.error().message + ")");
    done(std::move(answer));
    set_status();
  };
  if (pinhole) {
    pinholes_->remove(id, std::move(finish));
  } else {
    mapper_->remove(id, std::move(finish));
  }
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
  settle(e.id, what, std::move(j), e.error);
}

void PortmapNode::on_pinhole(const PinholeEntry& e, std::string_view what) {
  auto j = pinhole_json(e);
  if (events_) events_->publish("portmap." + std::string(what), j, loop_.now_ms());
  const std::string name = std::string(protocol_name(e.request.protocol)) + " pinhole " + j.value("external", "");
  if (what == "renewed") {
    spdlog::debug("portmap: {} renewed", name);
  } else {
    spdlog::info("portmap: {} {}{}", name, what,
                 e.unique_id ? " (UniqueID " + std::to_string(*e.unique_id) + ", " + std::to_string(e.lease_s) + " s)"
                             : (e.error ? ": " + e.error->message : std::string()));
  }
  settle(e.id, what, std::move(j), e.error);
}

// An API add waiting for its first outcome hears it; one that failed is forgotten.
void PortmapNode::settle(std::uint64_t id, std::string_view what, nlohmann::json j, const std::optional<Error>& error) {
  if (auto waiter = adding_.find(id); waiter != adding_.end() && (what == "appeared" || what == "failed")) {
    auto done = std::move(waiter->second);
    adding_.erase(waiter);
    if (what == "appeared") {
      done(std::move(j));
    } else {
      const bool pinhole = j.value("kind", "") == "pinhole";
      const std::string where = pinhole ? "IPv6 firewall" : "gateway " + mapper_->gateway().to_string();
      Error why{"portmap_failed", where + ": " + (error ? error->message : std::string("failed"))};
      if (pinhole) {
        pinholes_->remove(id);
      } else {
        mapper_->remove(id);
      }
      done(std::move(why));
    }
  }
  set_status();
}

void PortmapNode::set_status() {
  if (!status_ || (!mapper_ && !pinholes_)) return;
  std::string mapped, failed, holes;
  bool pending = false;
  if (mapper_)
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
  if (pinholes_)
    for (const auto& [id, e] : pinholes_->entries()) {
      const std::string name = std::string(protocol_name(e.request.protocol)) + " [" + e.request.address.to_string() +
                               "]:" + std::to_string(e.request.port);
      if (e.state == MapState::mapped) {
        holes += (holes.empty() ? "" : ", ") + name;
      } else if (e.state == MapState::failed) {
        failed += std::string(failed.empty() ? "" : "; ") + "pinhole " + name + ": " + (e.error ? e.error->message : "failed");
      } else {
        pending = true;
      }
    }
  std::string good;
  if (!mapped.empty()) good = "mapped " + mapped;
  if (!holes.empty()) good += (good.empty() ? "" : "; ") + std::string("pinholes ") + holes;
  const auto now = loop_.now_ms();
  if (!mapper_) {
    // No IPv4 gateway: what the pinholes do, after why nothing is mapped.
    if (!failed.empty() || !pending)
      status_->set("portmap", Readiness::degraded, off_reason_ + (failed.empty() ? "" : "; " + failed) +
                                                        (good.empty() ? "" : "; " + good), now);
    return;
  }
  if (!failed.empty()) {
    status_->set("portmap", Readiness::degraded,
                 "gateway " + mapper_->gateway().to_string() + ": " + failed + (good.empty() ? "" : "; " + good), now);
  } else if (!pending) {
    status_->set("portmap", Readiness::ready, good, now);
  }
}

void PortmapNode::shutdown(std::uint64_t bound_ms, std::function<void()> done) {
  stopping_ = true;
  for (auto& [id, waiter] : std::exchange(adding_, {})) waiter(unavailable());
  auto left = std::make_shared<int>((mapper_ ? 1 : 0) + (pinholes_ ? 1 : 0));
  if (*left == 0) return done();
  auto one = [left, done = std::make_shared<std::function<void()>>(std::move(done))] {
    if (--*left == 0 && *done) std::exchange(*done, nullptr)();
  };
  if (mapper_) mapper_->shutdown(bound_ms, one);
  if (pinholes_) pinholes_->shutdown(bound_ms, one);
}

void PortmapNode::close() {
  stopping_ = true;
  for (auto& [id, waiter] : std::exchange(adding_, {})) waiter(unavailable());
  mapper_.reset();
  pinholes_.reset();
}

}  // namespace p2pd::portmap
