#pragma once
#include "daemon/api_client.hpp"

namespace p2pd::daemon {

// `p2pd addr`: this daemon's peer address (GET /v1/addr), one line to copy to another
// peer; with --json the whole answer, with the address's parts decoded.
int cmd_addr(const ClientOptions& options, bool json);

}  // namespace p2pd::daemon
