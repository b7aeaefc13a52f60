#include "core/portmap/port_mapper.hpp"

#include <algorithm>

namespace p2pd::portmap {

std::string_view map_state_name(MapState s) {
  switch (s) {
    case MapState::mapping: return "mapping";
    case MapState::mapped: return "mapped";
    case MapState::failed: return "failed";
  }
  return "?";
}

PortMapper::PortMapper(loop::Loop& loop, Gateway gateway, PortMapperOptions options, MapChange on_change)
    : loop_(loop),
      gateway_(gateway),
      options_(options),
      on_change_(std::move(on_change)),
      pcp_(loop, gateway, pcp_schedule(options.timeout_ms)),
      natpmp_(loop, gateway, natpmp_schedule(options.timeout_ms)),
      upnp_(loop, gateway, options.upnp_options),
      shutdown_timer_(loop) {}

PortMapper::~PortMapper() { *alive_ = false; }

std::vector<Method> PortMapper::order() const {
  std::vector<Method> out;
  if (method_) out.push_back(*method_);
  if (options_.pcp && method_ != Method::pcp) out.push_back(Method::pcp);
  if (options_.natpmp && method_ != Method::natpmp) out.push_back(Method::natpmp);
  if (options_.upnp && method_ != Method::upnp) out.push_back(Method::upnp);
  return out;
}

void PortMapper::map_with(Method method, const MapRequest& request, std::function<void(Result<Mapping>)> done) {
  if (method == Method::pcp) return pcp_.map(request, std::move(done));
  if (method == Method::upnp) return upnp_.map(request, std::move(done));
  natpmp_.map(request, std::move(done));
}

void PortMapper::unmap_with(const Mapping& m, std::function<void(Status)> done) {
  if (m.method == Method::pcp) return pcp_.unmap(m, std::move(done));
  if (m.method == Method::upnp) return upnp_.unmap(m, std::move(done));
  natpmp_.unmap(m, std::move(done));
}

void PortMapper::emit(std::uint64_t id, std::string_view what) {
  auto it = entries_.find(id);
  if (it != entries_.end() && on_change_) on_change_(it->second, what);
}

void PortMapper::later(std::uint64_t id, std::uint64_t delay_ms, void (PortMapper::*fn)(std::uint64_t)) {
  auto& timer = timers_[id];
  if (!timer.is_open()) timer = loop::Timer(loop_);
  timer.start(delay_ms, 0, [this, id, fn] { (this->*fn)(id); });
}

std::uint64_t PortMapper::add(Protocol protocol, std::uint16_t internal_port, std::uint16_t external_port,
                              std::uint32_t lifetime_s) {
  const std::uint64_t id = options_.next_id ? options_.next_id() : next_id_++;
  MapEntry& e = entries_[id];
  e.id = id;
  e.request.protocol = protocol;
  e.request.internal_port = internal_port;
  e.request.external_port = external_port;
  e.request.lifetime_s = lifetime_s != 0 ? lifetime_s : options_.lease_s;
  later(id, 0, &PortMapper::start);
  return id;
}

void PortMapper::attempt(std::uint64_t id, std::size_t index) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  MapEntry& e = it->second;
  const auto methods = order();
  if (index == 0) {
    e.error.reset();
    // Unless PCP or NAT-PMP is known to work here, SSDP discovery runs alongside them:
    // UPnP's turn then finds the IGD (or its absence) already known.
    if (options_.upnp && method_ != Method::pcp && method_ != Method::natpmp) upnp_.discover_ahead();
  }
  if (index >= methods.size()) {
    if (methods.empty()) e.error = Error{"unsupported", "every port mapping protocol is switched off"};
    const bool was_failed = e.state == MapState::failed;
    e.state = MapState::failed;
    later(id, options_.retry_ms, &PortMapper::start);
    if (!was_failed) emit(id, "failed");  // last: the listener may remove the entry
    return;
  }
  const Method method = methods[index];
  map_with(method, e.request, [this, id, index, method, alive = alive_](Result<Mapping> r) {
    if (!*alive) return;
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    if (r.ok()) return granted(id, std::move(r.value()));
    MapEntry& e = it->second;
    if (r.error().code == "port_taken" && e.request.external_port != 0) {
      e.request.external_port = 0;  // another mapping holds the port asked for: take any
      return attempt(id, index);
    }
    std::string text = std::string(method_name(method)) + ": " + r.error().message;
    e.error = e.error ? Error{e.error->code, e.error->message + "; " + text} : Error{r.error().code, text};
    if (method_ == method) method_.reset();  // the remembered one failed: try them all next time
    attempt(id, index + 1);
  });
}

void PortMapper::granted(std::uint64_t id, Mapping m) {
  MapEntry& e = entries_.at(id);
  const bool first = e.state != MapState::mapped;
  method_ = m.method;
  e.state = MapState::mapped;
  e.error.reset();
  e.request.nonce = m.nonce;
  e.request.external_port = m.external.port;  // renewals ask for the same port
  e.expires_ms = loop_.now_ms() + std::uint64_t{m.lifetime_s} * 1000;
  e.mapping = std::move(m);
  emit(id, first ? "appeared" : "renewed");
  later(id, std::max<std::uint64_t>(1000, std::uint64_t{e.mapping->lifetime_s} * 500), &PortMapper::renew);
}

void PortMapper::renew(std::uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end() || !it->second.mapping) return;
  map_with(it->second.mapping->method, it->second.request, [this, id, alive = alive_](Result<Mapping> r) {
    if (!*alive) return;
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    MapEntry& e = it->second;
    if (r.ok()) {
      ++e.renewals;
      return granted(id, std::move(r.value()));
    }
    e.error = r.error();
    if (loop_.now_ms() + options_.retry_ms < e.expires_ms) return later(id, options_.retry_ms, &PortMapper::renew);
    // The lifetime ran out: the mapping is gone; make it again from the first protocol.
    e.state = MapState::mapping;
    e.mapping.reset();
    e.expires_ms = 0;
    e.request.nonce.reset();
    emit(id, "lost");
    method_.reset();
    attempt(id, 0);
  });
}

bool PortMapper::remove(std::uint64_t id, std::function<void(Status)> done) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  std::optional<Mapping> m = it->second.mapping;
  entries_.erase(it);
  timers_.erase(id);
  if (!m) {
    if (done) done(Status{});
    return true;
  }
  unmap_with(*m, [done = std::move(done)](Status s) {
    if (done) done(std::move(s));
  });
  return true;
}

void PortMapper::shutdown(std::uint64_t bound_ms, std::function<void()> done) {
  auto left = std::make_shared<int>(0);
  auto finish = std::make_shared<std::function<void()>>(std::move(done));
  auto once = [finish] {
    if (*finish) std::exchange(*finish, nullptr)();
  };
  std::vector<Mapping> granted_now;
  for (auto& [id, e] : entries_)
    if (e.mapping) granted_now.push_back(*e.mapping);
  entries_.clear();
  timers_.clear();
  if (granted_now.empty()) return once();
  *left = static_cast<int>(granted_now.size());
  for (const auto& m : granted_now)
    unmap_with(m, [left, once](Status) {
      if (--*left == 0) once();
    });
  shutdown_timer_.start(bound_ms, 0, once);
}

}  // namespace p2pd::portmap
