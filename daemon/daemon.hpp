#pragma once
// `p2pd daemon`: load config, prepare the state directory, bind the API, run the loop
// until SIGTERM/SIGINT. Returns the process exit code (docs/API.md).
#include <string>
#include <vector>

namespace p2pd::daemon {

struct DaemonOptions {
  std::string config_path;               // --config ("" = $P2PD_CONFIG, /etc/p2pd/p2pd.json, defaults)
  std::string state_dir;                 // --state-dir
  std::vector<std::string> api_listen;   // --api-listen (replaces api.listen)
  std::string log_level;                 // --log-level
};

int run_daemon(const DaemonOptions& options);

}  // namespace p2pd::daemon
