#pragma once
// sd_notify: READY=1, STOPPING=1, STATUS=..., and the watchdog interval.
#include <cstdint>
#include <string>

namespace p2pd::daemon {

void notify_ready(const std::string& status);
void notify_stopping();
void notify_reloading();
void notify_watchdog();
// Half of WATCHDOG_USEC in ms when the service manager asked for pings, else 0.
std::uint64_t watchdog_ping_interval_ms();

}  // namespace p2pd::daemon
