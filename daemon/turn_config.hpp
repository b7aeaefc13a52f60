#pragma once
// The config's turn section as the TURN manager's options (core never sees config/).
#include <vector>

#include "config/config.hpp"
#include "core/traverse/turn_manager.hpp"

namespace p2pd::daemon {

std::vector<traverse::turn::TurnServer> turn_servers(const config::Turn& turn);
traverse::turn::ManagerOptions turn_options(const config::Turn& turn);

}  // namespace p2pd::daemon
