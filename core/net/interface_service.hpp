#pragma once
// The daemon's view of the machine's interfaces: one filtered Snapshot, re-read when the
// kernel reports a change (NETLINK_ROUTE monitor on the loop, debounced) and, as a
// fallback for lost notifications, every `rescan_ms`. Each difference is published on
// the EventBus as "net.<kind>" (to_json(NetChange)) and handed to subscribers (the NAT
// classifier re-tests on a change). Loop thread only.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/poll.hpp"
#include "core/loop/timer.hpp"
#include "core/net/interface_filter.hpp"
#include "core/net/interfaces.hpp"
#include "core/net/interfaces_diff.hpp"
#include "core/net/netlink_monitor.hpp"
#include "core/observe/events.hpp"
#include "core/observe/status_board.hpp"
#include "core/result.hpp"

namespace p2pd::net {

struct InterfaceServiceOptions {
  InterfaceFilter filter;
  std::uint64_t debounce_ms = 100;   // changes come in bursts: re-read once they settle
  std::uint64_t rescan_ms = 30000;   // periodic re-read (0: never); catches anything missed
  bool monitor = true;               // subscribe to netlink notifications
};

class InterfaceService {
 public:
  using Reader = std::function<Result<Snapshot>()>;
  using Listener = std::function<void(const Snapshot&, const std::vector<NetChange>&)>;

  // `events` and `status` may be null. `reader` defaults to read_snapshot().
  InterfaceService(loop::Loop& loop, InterfaceServiceOptions options, observe::EventBus* events,
                   observe::StatusBoard* status, Reader reader = {});
  InterfaceService(const InterfaceService&) = delete;
  InterfaceService& operator=(const InterfaceService&) = delete;

  // Takes the first snapshot and starts watching. A failing monitor degrades to
  // periodic re-scans; a failing first read leaves an empty snapshot (status degraded).
  void start();
  void close();

  const Snapshot& snapshot() const { return snapshot_; }
  std::uint64_t scanned_at_ms() const { return scanned_at_ms_; }
  std::uint64_t scans() const { return scans_; }
  bool monitoring() const { return monitor_ != nullptr; }

  // Re-reads now; publishes and returns what changed.
  std::vector<NetChange> rescan();

  // Called after every rescan that changed something. Returns nothing to unsubscribe:
  // subscribers live as long as the daemon.
  void subscribe(Listener listener) { listeners_.push_back(std::move(listener)); }

 private:
  void on_netlink();
  void set_status();

  loop::Loop& loop_;
  InterfaceServiceOptions options_;
  observe::EventBus* events_;
  observe::StatusBoard* status_;
  Reader reader_;
  std::unique_ptr<NetlinkMonitor> monitor_;
  loop::Poll poll_;
  loop::Timer debounce_;
  loop::Timer rescan_timer_;
  Snapshot snapshot_;
  std::uint64_t scanned_at_ms_ = 0;
  std::uint64_t scans_ = 0;
  std::string last_error_;
  std::vector<Listener> listeners_;
  bool closed_ = false;
};

}  // namespace p2pd::net
