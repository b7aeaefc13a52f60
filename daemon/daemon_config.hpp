#pragma once
// Finding and loading the daemon's config, with command-line overrides applied.
#include <string>
#include <vector>

#include "config/config.hpp"

namespace p2pd::daemon {

struct LoadedConfig {
  config::Config config;
  std::string source;               // the file, or "embedded defaults"
  std::vector<std::string> errors;  // "<source>: <path>: <message>", printed as is
};

// --config, else $P2PD_CONFIG, else /etc/p2pd/p2pd.json if it exists, else none.
std::string resolve_config_path(const std::string& flag_value);

LoadedConfig load_daemon_config(const std::string& path, const std::vector<std::string>& api_listen,
                                const std::string& log_level);

}  // namespace p2pd::daemon
