#pragma once
// Names of pipes, servers and subscriptions: [A-Za-z0-9_.-]{1,64} (docs/API.md).
#include <string_view>

namespace p2pd::pipe {

bool valid_name(std::string_view name);

}  // namespace p2pd::pipe
