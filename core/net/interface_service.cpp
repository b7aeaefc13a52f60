#include "core/net/interface_service.hpp"

#include <spdlog/spdlog.h>

#include "core/net/interfaces_json.hpp"

namespace p2pd::net {

InterfaceService::InterfaceService(loop::Loop& loop, InterfaceServiceOptions options, observe::EventBus* events,
                                   observe::StatusBoard* status, Reader reader)
    : loop_(loop),
      options_(std::move(options)),
      events_(events),
      status_(status),
      reader_(reader ? std::move(reader) : Reader([] { return read_snapshot(); })),
      debounce_(loop),
      rescan_timer_(loop) {}

void InterfaceService::start() {
  closed_ = false;
  (void)rescan();
  if (options_.monitor) {
    auto monitor = NetlinkMonitor::open();
    if (monitor.ok()) {
      monitor_ = std::make_unique<NetlinkMonitor>(std::move(*monitor));
      auto poll = loop::Poll::create(loop_, monitor_->fd());
      if (poll.ok()) {
        poll_ = std::move(*poll);
        auto st = poll_.start(UV_READABLE, [this](int status, int) {
          if (status == 0) on_netlink();
        });
        if (!st.ok()) monitor_.reset();
      } else {
        monitor_.reset();
      }
    }
    if (!monitor_) spdlog::warn("interfaces: no netlink monitor; re-reading every {} ms", options_.rescan_ms);
  }
  if (options_.rescan_ms > 0)
    rescan_timer_.start(options_.rescan_ms, options_.rescan_ms, [this] { (void)rescan(); });
  set_status();
}

void InterfaceService::close() {
  closed_ = true;
  poll_.close();
  monitor_.reset();
  debounce_.close();
  rescan_timer_.close();
  if (status_) status_->set("interfaces", observe::Readiness::off, "stopped", loop_.now_ms());
}

void InterfaceService::on_netlink() {
  if (closed_ || !monitor_) return;
  if (!monitor_->drain()) return;
  if (!debounce_.active()) debounce_.start(options_.debounce_ms, 0, [this] { (void)rescan(); });
}

std::vector<NetChange> InterfaceService::rescan() {
  if (closed_) return {};
  auto read = reader_();
  ++scans_;
  scanned_at_ms_ = loop_.now_ms();
  if (!read.ok()) {
    if (last_error_ != read.error().message) spdlog::warn("interfaces: {}", read.error().message);
    last_error_ = read.error().message;
    set_status();
    return {};
  }
  bool had_error = !last_error_.empty();
  last_error_.clear();
  Snapshot fresh = apply_filter(options_.filter, std::move(*read));
  auto changes = diff(snapshot_, fresh);
  const bool first = scans_ == 1;
  snapshot_ = std::move(fresh);
  if (had_error || first) set_status();
  if (changes.empty() || first) return first ? std::vector<NetChange>{} : changes;
  for (const auto& c : changes) {
    spdlog::info("interfaces: {} {}", to_string(c.kind), c.interface);
    if (events_) events_->publish("net." + std::string(to_string(c.kind)), to_json(c), loop_.now_ms());
  }
  set_status();
  for (const auto& l : listeners_) l(snapshot_, changes);
  return changes;
}

void InterfaceService::set_status() {
  if (!status_ || closed_) return;
  const auto now = loop_.now_ms();
  if (!last_error_.empty()) {
    status_->set("interfaces", observe::Readiness::degraded, "cannot read interfaces: " + last_error_, now);
    return;
  }
  std::size_t usable = 0;
  for (const auto& i : snapshot_.interfaces)
    if (i.flags.usable() && !i.flags.loopback) ++usable;
  std::string reason = std::to_string(snapshot_.interfaces.size()) + " interface(s), " + std::to_string(usable) +
                       " usable non-loopback; " +
                       (monitor_ ? "watching netlink" : options_.monitor ? "netlink unavailable, re-scanning" : "re-scanning");
  status_->set("interfaces", observe::Readiness::ready, std::move(reason), now);
}

}  // namespace p2pd::net
