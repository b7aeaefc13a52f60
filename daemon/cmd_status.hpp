#pragma once
#include "daemon/api_client.hpp"

namespace p2pd::daemon {

// `p2pd status`: the daemon's version, uptime and each subsystem's readiness.
int cmd_status(const ClientOptions& options, bool json);

}  // namespace p2pd::daemon
