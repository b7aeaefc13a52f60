#pragma once
#include "daemon/api_client.hpp"

namespace p2pd::daemon {

// `p2pd ifs`: the daemon's interfaces (GET /v1/interfaces): flags, addresses with
// scope, gateways and which one carries each family's default route.
int cmd_ifs(const ClientOptions& options, bool json);

}  // namespace p2pd::daemon
