#include "daemon/daemon_config.hpp"

#include <unistd.h>

#include <cstdlib>

namespace p2pd::daemon {

std::string resolve_config_path(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  const char* env = std::getenv("P2PD_CONFIG");
  if (env != nullptr && *env != '\0') return env;
  if (::access("/etc/p2pd/p2pd.json", F_OK) == 0) return "/etc/p2pd/p2pd.json";
  return {};
}

LoadedConfig load_daemon_config(const std::string& path, const std::vector<std::string>& api_listen,
                                const std::string& log_level) {
  LoadedConfig out;
  out.source = path.empty() ? "embedded defaults" : path;
  auto loaded = path.empty() ? config::load_from_string("", "embedded defaults") : config::load_from_file(path);
  for (const auto& e : loaded.errors) out.errors.push_back(out.source + ": " + e.to_string());
  if (!out.errors.empty()) return out;

  out.config = loaded.config;
  if (!api_listen.empty()) out.config.api.listen = api_listen;
  if (!log_level.empty()) out.config.log.level = log_level;
  // The overrides are checked with the loader's own rules; their errors name the flag.
  for (const auto& e : config::validate(out.config)) {
    std::string where = e.path.rfind("api.listen", 0) == 0 && !api_listen.empty() ? "--api-listen"
                        : e.path == "log.level" && !log_level.empty()         ? "--log-level"
                                                                              : out.source;
    out.errors.push_back(where + ": " + e.to_string());
  }
  return out;
}

}  // namespace p2pd::daemon
