#pragma once
#include <string_view>

namespace p2pd::config {
// The embedded default config (config/p2pd.json as compiled in).
std::string_view default_config_json();
}  // namespace p2pd::config
