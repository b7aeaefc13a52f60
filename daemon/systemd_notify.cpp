#include "daemon/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

namespace p2pd::daemon {

void notify_ready(const std::string& status) {
  std::string msg = "READY=1\nSTATUS=" + status;
  sd_notify(0, msg.c_str());
}

void notify_stopping() { sd_notify(0, "STOPPING=1"); }
void notify_reloading() { sd_notify(0, "RELOADING=1"); }
void notify_watchdog() { sd_notify(0, "WATCHDOG=1"); }

std::uint64_t watchdog_ping_interval_ms() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return 0;
  std::uint64_t half_ms = usec / 2000;
  return half_ms == 0 ? 1 : half_ms;
}

}  // namespace p2pd::daemon
