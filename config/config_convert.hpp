#pragma once
// The merged JSON tree <-> the Config struct tree. Internal to config/.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"

namespace p2pd::config::detail {

// Converts and validates; every problem is appended to `errors` with its path. The
// returned Config is meaningful only when nothing was appended.
Config from_json(const nlohmann::json& root, std::vector<ConfigError>& errors);

// The full tree, secrets included: for comparing and re-validating, never for display.
nlohmann::json to_json(const Config& config);

}  // namespace p2pd::config::detail
