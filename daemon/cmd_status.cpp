#include "daemon/cmd_status.hpp"

#include <cstdio>

#include <fmt/format.h>

namespace p2pd::daemon {

int cmd_status(const ClientOptions& options, bool json) {
  auto client = ApiClient::connect(options);
  if (!client.ok()) {
    return report_error(client.error());
  }
  auto status = client->request_json("GET", "/v1/status");
  if (!status.ok()) {
    return report_error(status.error());
  }
  const auto& s = *status;
  if (json) {
    std::puts(s.dump(2).c_str());
    return 0;
  }
  fmt::print("p2pd {} ({}), pid {}, up {:.1f} s, via {}\n", s.value("version", "?"),
             s["build"].value("flavor", "?"), s.value("pid", 0L), s.value("uptime_s", 0.0), client->where());
  if (auto id = s.find("identity"); id != s.end() && id->is_object())
    fmt::print("peer id {} (key {})\n", id->value("peer_id", "?"), id->value("public_key", "?"));
  fmt::print("{:<12} {:<9} {}\n", "SUBSYSTEM", "STATE", "REASON");
  for (const auto& [name, sub] : s["subsystems"].items())
    fmt::print("{:<12} {:<9} {}\n", name, sub.value("state", "?"), sub.value("reason", ""));
  return 0;
}

}  // namespace p2pd::daemon
