#include "core/traverse/stun_query.hpp"

#include <algorithm>

#include "core/loop/resolver.hpp"

namespace p2pd::traverse {

StunQuery::StunQuery(loop::Loop& loop, StunQueryOptions options)
    : loop_(loop), options_(std::move(options)), later_(loop) {}

void StunQuery::start(Done done) {
  done_ = std::move(done);
  started_ms_ = loop_.now_ms();
  const std::size_t per_server = (options_.udp ? 1 : 0) + (options_.tcp ? 1 : 0);
  for (const auto& s : options_.servers) {
    if (options_.udp) result_.outcomes.push_back({s.to_string(), "udp", {}, {}, {}});
    if (options_.tcp) result_.outcomes.push_back({s.to_string(), "tcp", {}, {}, {}});
  }
  open_ = result_.outcomes.size();
  if (options_.udp && !options_.servers.empty()) {
    socket_ = std::make_unique<StunSocket>(loop_, options_.timing, options_.software);
    net::Endpoint local;
    local.address.family = options_.family;
    if (options_.local_address) local.address = *options_.local_address;
    if (auto st = socket_->open(local, options_.device); !st) {
      for (auto& o : result_.outcomes)
        if (o.transport == "udp") o.error = st.error();
      open_ -= options_.servers.size();
      socket_.reset();
    } else {
      result_.udp_local = socket_->local();
    }
  }
  if (per_server == 0 || open_ == 0) return maybe_finish();
  resolving_.resize(options_.servers.size());
  for (std::size_t i = 0; i < options_.servers.size(); ++i)
    resolving_[i] = loop::resolve_host(loop_, options_.servers[i].host, options_.family,
                                       [this, i](Result<std::vector<net::IpAddress>> r) { on_resolved(i, std::move(r)); });
}

void StunQuery::on_resolved(std::size_t index, Result<std::vector<net::IpAddress>> r) {
  if (finished_) return;
  const std::size_t per_server = (options_.udp ? 1 : 0) + (options_.tcp ? 1 : 0);
  const std::size_t first = index * per_server;
  if (!r || r->empty()) {
    Error e = r ? Error{"unreachable", "no address of that family"} : r.error();
    for (std::size_t k = first; k < first + per_server; ++k)
      if (!result_.outcomes[k].error && !result_.outcomes[k].answer) record(k, e);
    return;
  }
  net::Endpoint server{(*r)[0], options_.servers[index].port};
  auto alive = alive_;
  for (std::size_t k = first; k < first + per_server; ++k) {
    auto& o = result_.outcomes[k];
    o.address = server;
    if (o.error) continue;  // the UDP socket could not open
    if (o.transport == "udp") {
      socket_->probe(BindingProbe{server, {}, std::nullopt}, [this, k](Result<BindingAnswer> a) { record(k, std::move(a)); });
    } else {
      std::optional<net::Endpoint> local;
      if (options_.local_address) local = net::Endpoint{*options_.local_address, 0};
      auto probe = std::make_unique<StunTcpProbe>(loop_, options_.timing, options_.software);
      auto* raw = probe.get();
      tcp_.push_back(std::move(probe));
      ++result_.requests;
      raw->start(server, local, [this, k](Result<BindingAnswer> a) { record(k, std::move(a)); });
    }
    if (!*alive) return;
  }
}

void StunQuery::record(std::size_t k, Result<BindingAnswer> r) {
  auto& o = result_.outcomes[k];
  if (o.answer || o.error) return;
  if (r) o.answer = std::move(*r);
  else o.error = r.error();
  if (open_ > 0) --open_;
  maybe_finish();
}

void StunQuery::maybe_finish() {
  if (finished_ || open_ > 0) return;
  finished_ = true;
  std::vector<ServerReport> udp, tcp;
  for (const auto& o : result_.outcomes)
    if (o.answer) (o.transport == "udp" ? udp : tcp).push_back({o.server, o.answer->mapped});
  const std::size_t needed = std::min(options_.needed, options_.servers.size());
  result_.udp = agree(udp, needed);
  result_.tcp = agree(tcp, needed);
  if (socket_) result_.requests += socket_->counters().requests;
  result_.elapsed_ms = loop_.now_ms() - started_ms_;
  later_.start(0, 0, [this] {
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(result_));  // may destroy this
  });
}

}  // namespace p2pd::traverse
