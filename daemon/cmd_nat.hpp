#pragma once
#include "daemon/api_client.hpp"

namespace p2pd::daemon {

// `p2pd nat [--refresh]`: the daemon's NAT classification per interface and family
// (GET /v1/nat; with --refresh, POST /v1/nat/refresh first and wait for its result).
int cmd_nat(const ClientOptions& options, bool json, bool refresh);

}  // namespace p2pd::daemon
