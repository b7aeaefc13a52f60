#include "core/portmap/upnp_mapper.hpp"

namespace p2pd::portmap {

UpnpMapper::UpnpMapper(loop::Loop& loop, Gateway gateway, UpnpOptions options)
    : loop_(loop),
      gateway_(std::move(gateway)),
      options_(std::move(options)),
      discovery_failure_(options_.failed_discovery_hold_ms) {}

void UpnpMapper::map(const MapRequest& request, Done done) {
  const std::string description = options_.description;
  enqueue(
      [request, description](const upnp::Igd& igd) -> Result<Mapping> {
        auto g = upnp::add_mapping(igd, request.protocol, request.internal_port, request.external_port,
                                   request.lifetime_s, description);
        if (!g) return g.error();
        auto ip = net::IpAddress::parse(g->external_ip);
        if (!ip) return Error{"failed", "UPnP: the IGD's external address is not an IP address: " + g->external_ip};
        Mapping m;
        m.protocol = request.protocol;
        m.internal_port = request.internal_port;
        m.external = net::Endpoint{*ip, g->external_port};
        // A permanent lease (0) is renewed like the one asked for.
        m.lifetime_s = g->lease_s != 0 ? g->lease_s : request.lifetime_s;
        m.method = Method::upnp;
        return m;
      },
      std::move(done));
}

void UpnpMapper::unmap(const Mapping& mapping, StatusDone done) {
  enqueue(
      [mapping](const upnp::Igd& igd) -> Result<Mapping> {
        auto st = upnp::delete_mapping(igd, mapping.protocol, mapping.external.port);
        if (!st) return st.error();
        return mapping;
      },
      [done = std::move(done)](Result<Mapping> r) {
        if (!done) return;
        if (!r) return done(r.error());
        done(Status{});
      });
}

void UpnpMapper::discover_ahead() {
  if (igd_ || discovery_failure_.recall(loop_.now_ms()) || running_.pending() || !queue_.empty()) return;
  enqueue(nullptr, nullptr);
}

void UpnpMapper::enqueue(Job job, Done done) {
  queue_.push_back(Item{std::move(job), std::move(done)});
  pump();
}

void UpnpMapper::pump() {
  if (running_.pending() || queue_.empty()) return;
  auto item = std::move(queue_.front());
  queue_.pop_front();
  const std::string interface_address = gateway_.local.to_string();
  const int discover_ms = options_.discover_ms;
  running_ = loop::Work::run<Outcome>(
      loop_,
      [igd = igd_, failed = igd_ ? std::optional<Error>{} : discovery_failure_.recall(loop_.now_ms()), job = std::move(item.job), interface_address,
       discover_ms]() mutable -> Result<Outcome> {
        if (!igd) {
          if (failed) return Outcome{std::nullopt, *failed, std::nullopt};
          auto found = upnp::discover(interface_address, discover_ms);
          if (!found) return Outcome{std::nullopt, found.error(), found.error()};
          igd = *found;
        }
        if (!job) return Outcome{std::move(igd), Mapping{}, std::nullopt};
        auto r = job(*igd);
        if (!r && igd_unreachable(r.error())) igd.reset();
        return Outcome{std::move(igd), std::move(r), std::nullopt};
      },
      [this, done = std::move(item.done)](Result<Outcome> r) {
        // Cancelled (the mapper is going away) or run: either way the next job may go.
        Result<Mapping> result = r ? std::move(r->result) : Result<Mapping>(r.error());
        if (r) {
          igd_ = std::move(r->igd);
          discovery_failure_.after_job(std::move(r->discovery_failed), igd_.has_value(), loop_.now_ms());
        }
        if (done) done(std::move(result));
        pump();
      });
}

}  // namespace p2pd::portmap
