#include "daemon/cmd_nat.hpp"

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <fmt/format.h>

namespace p2pd::daemon {

namespace {

using nlohmann::json;

std::string text(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() && !it->get<std::string>().empty() ? it->get<std::string>() : "-";
}

void print_result(const json& r) {
  const json delta = r.value("delta", json::object());
  fmt::print("{} {}: {} (mapping {}, filtering {}, delta {} {})\n", text(r, "interface"), text(r, "family"),
             text(r, "type"), text(r, "mapping"), text(r, "filtering"), text(delta, "type"), delta.value("value", 0));
  fmt::print("  local {} external {}{} via {}; {} requests in {} ms\n", text(r, "local"), text(r, "external"),
             r.value("confirmed", false) ? "" : " (not confirmed)", text(r, "server"), r.value("requests", 0),
             r.value("elapsed_ms", 0));
  fmt::print("  {}\n", text(r, "reason"));
}

}  // namespace

int cmd_nat(const ClientOptions& options, bool json_out, bool refresh) {
  auto client = ApiClient::connect(options);
  if (!client.ok()) {
    return report_error(client.error());
  }
  if (refresh) {
    auto started = client->request_json("POST", "/v1/nat/refresh");
    if (!started.ok()) {
      return report_error(started.error());
    }
  }
  auto r = client->request_json("GET", "/v1/nat");
  // A run in progress: wait for it (each request is bounded by stun.timeout_ms).
  for (int i = 0; r.ok() && (*r).value("running", false) && i < 600; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    r = client->request_json("GET", "/v1/nat");
  }
  if (!r.ok()) {
    return report_error(r.error());
  }
  if (json_out) {
    std::puts(r->dump(2).c_str());
    return 0;
  }
  const auto& results = (*r)["results"];
  if (!results.is_array() || results.empty()) fmt::print("no NAT results (no usable interface address to probe from)\n");
  else
    for (const auto& x : results) print_result(x);
  return 0;
}

}  // namespace p2pd::daemon
