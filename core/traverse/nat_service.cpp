#include "core/traverse/nat_service.hpp"

#include <algorithm>

#include "core/loop/resolver.hpp"
#include "core/traverse/nat_json.hpp"

namespace p2pd::traverse {

namespace {

bool same_key(const NatResult& a, const NatResult& b) { return a.interface == b.interface && a.family == b.family; }

// An address to probe from: not link-local (no STUN server is on the link) and one the
// kernel lets us bind and prefers for new flows.
bool probe_address(const net::InterfaceAddress& a) {
  return a.scope != net::AddressScope::link_local && !a.address.is_link_local() && !a.flags.tentative &&
         !a.flags.deprecated && !a.flags.dad_failed;
}

// Whether a network change can alter what STUN sees: a link-local address coming,
// going or finishing DAD cannot (no probe is sent from one), everything else can.
bool affects_nat(const net::NetChange& c) {
  if (!c.address) return true;
  return c.address->scope != net::AddressScope::link_local && !c.address->address.is_link_local();
}

}  // namespace

NatService::NatService(loop::Loop& loop, NatServiceOptions options, net::InterfaceService* interfaces,
                       observe::EventBus* events, observe::StatusBoard* status)
    : loop_(loop), options_(std::move(options)), interfaces_(interfaces), events_(events), status_(status),
      reaper_(loop) {}

NatService::~NatService() { *alive_ = false; }

void NatService::start() {
  if (closed_) return;
  if (interfaces_ && !subscribed_) {
    subscribed_ = true;
    auto alive = alive_;
    interfaces_->subscribe([this, alive](const net::Snapshot&, const std::vector<net::NetChange>& changes) {
      if (*alive && !closed_ && std::any_of(changes.begin(), changes.end(), affects_nat)) refresh();
    });
  }
  refresh();
}

void NatService::close() {
  closed_ = true;
  resolving_.clear();
  for (auto& j : jobs_) retired_.push_back(std::move(j));
  jobs_.clear();
  running_ = false;
  reaper_.close();
  retired_.clear();  // close() is never called from a probe callback
}

void NatService::set_servers(std::vector<std::string> servers) {
  options_.servers = std::move(servers);
  if (!closed_) refresh();
}

std::vector<NatService::Target> NatService::targets() const {
  std::vector<Target> out;
  if (!interfaces_) return out;
  for (const auto& i : interfaces_->snapshot().interfaces) {
    if (!i.flags.usable() || i.flags.loopback) continue;
    for (net::Family f : {net::Family::v4, net::Family::v6}) {
      auto a = std::find_if(i.addresses.begin(), i.addresses.end(),
                            [f](const net::InterfaceAddress& x) { return x.address.family == f && probe_address(x); });
      if (a != i.addresses.end()) out.push_back({i.name, a->address});
    }
  }
  return out;
}

void NatService::refresh() {
  if (closed_) return;
  ++runs_;
  refreshed_at_ms_ = loop_.now_ms();
  running_ = true;
  resolving_.clear();
  for (auto& j : jobs_) retired_.push_back(std::move(j));
  jobs_.clear();
  reaper_.start(0, 0, [this] { retired_.clear(); });
  resolved_.assign(options_.servers.size(), {});
  resolve_pending_ = options_.servers.size();
  set_status();
  if (resolve_pending_ == 0) return start_jobs();
  for (std::size_t i = 0; i < options_.servers.size(); ++i) {
    auto hp = net::HostPort::parse(options_.servers[i]);
    if (!hp) {
      --resolve_pending_;
      continue;
    }
    resolving_.push_back(loop::resolve_host(loop_, hp->host, std::nullopt,
                                            [this, i](Result<std::vector<net::IpAddress>> r) { on_resolved(i, std::move(r)); }));
  }
  if (resolve_pending_ == 0) start_jobs();
}

void NatService::on_resolved(std::size_t server, Result<std::vector<net::IpAddress>> r) {
  if (r) resolved_[server] = std::move(*r);
  if (--resolve_pending_ == 0) start_jobs();
}

void NatService::start_jobs() {
  const auto targets_now = targets();
  jobs_pending_ = targets_now.size();
  if (targets_now.empty()) {
    running_ = false;
    finished_at_ms_ = loop_.now_ms();
    set_status();
    return;
  }
  for (const auto& t : targets_now) {
    NatClassifierOptions o;
    o.interface = t.interface;
    o.local = t.local;
    for (std::size_t i = 0; i < options_.servers.size(); ++i) {
      auto hp = net::HostPort::parse(options_.servers[i]);
      if (!hp) continue;
      // The first address of the server's name in our family.
      for (const auto& a : resolved_[i])
        if (a.family == t.local.family) {
          o.servers.push_back({options_.servers[i], net::Endpoint{a, hp->port}});
          break;
        }
    }
    o.timing = options_.timing;
    o.filter_timing = options_.filter_timing;
    o.needed = options_.needed;
    auto job = std::make_unique<Job>();
    job->target = t;
    job->probes = std::make_unique<LoopNatProbes>(loop_, std::string{}, options_.tcp_timing, options_.software);
    job->classifier = std::make_unique<NatClassifier>(*job->probes, std::move(o), [this, run = runs_](NatResult r) {
      if (run == runs_) on_result(std::move(r));  // a retired run's result is dropped
    });
    jobs_.push_back(std::move(job));
  }
  for (std::size_t i = 0; i < jobs_.size(); ++i) jobs_[i]->classifier->start();  // done never runs inside start()
}

void NatService::on_result(NatResult r) {
  auto it = std::find_if(results_.begin(), results_.end(), [&](const NatResult& x) { return same_key(x, r); });
  const bool changed = it == results_.end() || it->type != r.type || it->external != r.external;
  if (events_) {
    events_->publish("nat.classified", to_json(r), loop_.now_ms());
    if (changed) events_->publish("nat.changed", to_json(r), loop_.now_ms());
  }
  if (it == results_.end()) results_.push_back(std::move(r));
  else *it = std::move(r);
  if (jobs_pending_ > 0 && --jobs_pending_ == 0) {
    running_ = false;
    finished_at_ms_ = loop_.now_ms();
    // Interfaces that are gone keep no stale result.
    const auto now = targets();
    std::erase_if(results_, [&](const NatResult& x) {
      return std::none_of(now.begin(), now.end(),
                          [&](const Target& t) { return t.interface == x.interface && t.local.family == x.family; });
    });
    set_status();
  }
  if (on_result_) on_result_();
}

void NatService::set_status() {
  if (!status_) return;
  const auto now = loop_.now_ms();
  if (running_) return status_->set("nat", observe::Readiness::starting, "classifying", now);
  if (options_.servers.empty()) return status_->set("nat", observe::Readiness::degraded, "no STUN servers configured", now);
  const bool any = std::any_of(results_.begin(), results_.end(), [](const NatResult& r) { return r.type != NatType::unknown; });
  if (any) return status_->set("nat", observe::Readiness::ready, std::to_string(results_.size()) + " result(s)", now);
  status_->set("nat", observe::Readiness::degraded, results_.empty() ? "no interface to probe from" : "no NAT type found", now);
}

}  // namespace p2pd::traverse
