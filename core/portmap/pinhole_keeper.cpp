#include "core/portmap/pinhole_keeper.hpp"

#include <algorithm>
#include <utility>

namespace p2pd::portmap {

PinholeKeeper::PinholeKeeper(loop::Loop& loop, PinholeKeeperOptions options, PinholeChange on_change)
    : loop_(loop),
      options_(std::move(options)),
      on_change_(std::move(on_change)),
      shutdown_timer_(loop),
      discovery_failure_(options_.failed_discovery_hold_ms) {}

PinholeKeeper::~PinholeKeeper() { *alive_ = false; }

void PinholeKeeper::emit(std::uint64_t id, std::string_view what) {
  auto it = entries_.find(id);
  if (it != entries_.end() && on_change_) on_change_(it->second, what);
}

void PinholeKeeper::later(std::uint64_t id, std::uint64_t delay_ms, void (PinholeKeeper::*fn)(std::uint64_t)) {
  auto& timer = timers_[id];
  if (!timer.is_open()) timer = loop::Timer(loop_);
  timer.start(delay_ms, 0, [this, id, fn] { (this->*fn)(id); });
}

void PinholeKeeper::add(std::uint64_t id, const net::IpAddress& address, std::uint16_t port, Protocol protocol,
                        std::uint32_t lease_s) {
  PinholeEntry& e = entries_[id];
  e.id = id;
  e.request.address = address;
  e.request.port = port;
  e.request.protocol = protocol;
  e.request.lease_s = pinhole_lease(lease_s != 0 ? lease_s : options_.lease_s);
  later(id, 0, &PinholeKeeper::open);
}

void PinholeKeeper::open(std::uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  const PinholeRequest r = it->second.request;
  enqueue(
      [r](const upnp::FirewallIgd& igd) {
        return upnp::add_pinhole(igd, r.address.to_string(), r.port, r.protocol, r.lease_s);
      },
      [this, id, alive = alive_](Result<std::uint16_t> got) {
        if (!*alive) return;
        if (!entries_.count(id)) {
          // Removed while it was being opened: close what the IGD just granted.
          if (got) delete_on_igd(*got, {});
          return;
        }
        if (!got) return failed(id, got.error());
        opened(id, *got, false);
      });
}

void PinholeKeeper::opened(std::uint64_t id, std::uint16_t unique_id, bool replaced) {
  PinholeEntry& e = entries_.at(id);
  const bool first = e.state != MapState::mapped || replaced;
  if (replaced) {
    e.state = MapState::mapping;
    e.unique_id.reset();
    e.expires_ms = 0;
    emit(id, "lost");
  }
  const auto now = loop_.now_ms();
  e.state = MapState::mapped;
  e.error.reset();
  e.unique_id = unique_id;
  e.lease_s = e.request.lease_s;
  e.expires_ms = now + std::uint64_t{e.lease_s} * 1000;
  emit(id, first ? "appeared" : "renewed");
  later(id, pinhole_renew_at_ms(now, e.lease_s) - now, &PinholeKeeper::renew);
}

void PinholeKeeper::failed(std::uint64_t id, Error why) {
  PinholeEntry& e = entries_.at(id);
  const bool was_failed = e.state == MapState::failed;
  e.state = MapState::failed;
  // An IGD refusing this address (606: requests come from another of ours) is asked
  // again only every minute.
  const std::uint64_t wait = why.code == "not_authorized" ? std::max<std::uint64_t>(options_.retry_ms, 60000) : options_.retry_ms;
  e.error = std::move(why);
  later(id, wait, &PinholeKeeper::open);
  if (!was_failed) emit(id, "failed");  // last: the listener may remove the entry
}

void PinholeKeeper::renew(std::uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end() || !it->second.unique_id) return;
  const PinholeRequest r = it->second.request;
  const std::uint16_t unique_id = *it->second.unique_id;
  enqueue(
      [r, unique_id](const upnp::FirewallIgd& igd) -> Result<std::uint16_t> {
        auto st = upnp::update_pinhole(igd, unique_id, r.lease_s);
        if (st) return unique_id;
        // The IGD forgot it (restarted, or the lease ran out): open it again.
        if (st.error().code != "no_such_entry") return st.error();
        return upnp::add_pinhole(igd, r.address.to_string(), r.port, r.protocol, r.lease_s);
      },
      [this, id, unique_id, alive = alive_](Result<std::uint16_t> got) {
        if (!*alive) return;
        auto it = entries_.find(id);
        if (it == entries_.end()) return;
        PinholeEntry& e = it->second;
        if (got) {
          if (*got == unique_id) ++e.renewals;
          return opened(id, *got, *got != unique_id);
        }
        e.error = got.error();
        if (loop_.now_ms() + options_.retry_ms < e.expires_ms) return later(id, options_.retry_ms, &PinholeKeeper::renew);
        // The lease ran out: the pinhole is gone; open it again.
        e.state = MapState::mapping;
        e.unique_id.reset();
        e.expires_ms = 0;
        emit(id, "lost");
        open(id);
      });
}

bool PinholeKeeper::remove(std::uint64_t id, std::function<void(Status)> done) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  std::optional<std::uint16_t> unique_id = it->second.unique_id;
  entries_.erase(it);
  timers_.erase(id);
  if (!unique_id) {
    if (done) done(Status{});
    return true;
  }
  delete_on_igd(*unique_id, std::move(done));
  return true;
}

void PinholeKeeper::delete_on_igd(std::uint16_t unique_id, std::function<void(Status)> done) {
  enqueue(
      [unique_id](const upnp::FirewallIgd& igd) -> Result<std::uint16_t> {
        auto st = upnp::delete_pinhole(igd, unique_id);
        if (!st) return st.error();
        return unique_id;
      },
      [done = std::move(done)](Result<std::uint16_t> r) {
        if (!done) return;
        if (!r) return done(r.error());
        done(Status{});
      });
}

void PinholeKeeper::shutdown(std::uint64_t bound_ms, std::function<void()> done) {
  auto finish = std::make_shared<std::function<void()>>(std::move(done));
  auto once = [finish] {
    if (*finish) std::exchange(*finish, nullptr)();
  };
  std::vector<std::uint64_t> open_ids;
  for (const auto& [id, e] : entries_)
    if (e.unique_id) open_ids.push_back(id);
  // Jobs not started yet (opening, renewing) are dropped: only the deletions go.
  queue_.clear();
  if (open_ids.empty()) {
    entries_.clear();
    timers_.clear();
    return once();
  }
  auto left = std::make_shared<std::size_t>(open_ids.size());
  for (auto id : open_ids)
    remove(id, [left, once](Status) {
      if (--*left == 0) once();
    });
  entries_.clear();
  timers_.clear();
  shutdown_timer_.start(bound_ms, 0, once);
}

void PinholeKeeper::enqueue(Job job, Done done) {
  queue_.push_back(Item{std::move(job), std::move(done)});
  pump();
}

void PinholeKeeper::pump() {
  if (running_.pending() || queue_.empty()) return;
  auto item = std::move(queue_.front());
  queue_.pop_front();
  running_ = loop::Work::run<Outcome>(
      loop_,
      [igd = igd_, failed = igd_ ? std::optional<Error>{} : discovery_failure_.recall(loop_.now_ms()), job = std::move(item.job),
       interface = options_.interface, discover_ms = options_.discover_ms]() mutable -> Result<Outcome> {
        if (!igd) {
          if (failed) return Outcome{std::nullopt, *failed, std::nullopt};
          auto found = upnp::discover_firewall(interface, discover_ms);
          if (!found) return Outcome{std::nullopt, found.error(), found.error()};
          igd = *found;
        }
        auto r = job(*igd);
        if (!r && igd_unreachable(r.error())) igd.reset();
        return Outcome{std::move(igd), std::move(r), std::nullopt};
      },
      [this, done = std::move(item.done)](Result<Outcome> r) {
        Result<std::uint16_t> result = r ? std::move(r->result) : Result<std::uint16_t>(r.error());
        if (r) {
          igd_ = std::move(r->igd);
          discovery_failure_.after_job(std::move(r->discovery_failed), igd_.has_value(), loop_.now_ms());
        }
        if (done) done(std::move(result));
        pump();
      });
}

}  // namespace p2pd::portmap
