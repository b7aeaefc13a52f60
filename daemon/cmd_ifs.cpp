#include "daemon/cmd_ifs.hpp"

#include <cstdio>
#include <string>

#include <fmt/format.h>

namespace p2pd::daemon {

namespace {

using nlohmann::json;

std::string str_or(const json& j, const char* key, const char* fallback = "-") {
  auto it = j.find(key);
  return it != j.end() && it->is_string() && !it->get<std::string>().empty() ? it->get<std::string>() : fallback;
}

std::string flags_text(const json& f) {
  std::string out;
  for (const char* name : {"up", "running", "loopback", "multicast", "point_to_point"})
    if (f.value(name, false)) out += (out.empty() ? "" : ",") + std::string(name);
  return out.empty() ? "-" : out;
}

void print_interface(const json& i) {
  std::string defaults;
  if (i.value("is_default_v4", false)) defaults += " default-v4";
  if (i.value("is_default_v6", false)) defaults += " default-v6";
  fmt::print("{} (index {}) mac {} mtu {} [{}]{}\n", str_or(i, "name"), i.value("index", 0), str_or(i, "mac"),
             i.value("mtu", 0), flags_text(i.value("flags", json::object())), defaults);
  const json addresses = i.value("addresses", json::array());
  for (const auto& a : addresses) {
    std::string extra;
    if (a.contains("scope_id")) extra += fmt::format(" scope_id {}", a["scope_id"].get<std::uint32_t>());
    const json flags = a.value("flags", json::object());
    for (const auto& [flag, on] : flags.items())
      if (on.is_boolean() && on.get<bool>()) extra += " " + flag;
    fmt::print("  {:<5} {}/{} {}{}\n", str_or(a, "family"), str_or(a, "address"), a.value("prefix", 0),
               str_or(a, "scope"), extra);
  }
  for (const char* gw : {"gateway_v4", "gateway_v6"})
    if (i.contains(gw) && i[gw].is_string()) fmt::print("  {} {}\n", gw, i[gw].get<std::string>());
}

}  // namespace

int cmd_ifs(const ClientOptions& options, bool json_out) {
  auto client = ApiClient::connect(options);
  if (!client.ok()) {
    return report_error(client.error());
  }
  auto r = client->request_json("GET", "/v1/interfaces");
  if (!r.ok()) {
    return report_error(r.error());
  }
  if (json_out) {
    std::puts(r->dump(2).c_str());
    return 0;
  }
  const auto& ifs = (*r)["interfaces"];
  if (!ifs.is_array() || ifs.empty()) fmt::print("no interfaces (check node.interfaces include/exclude)\n");
  else
    for (const auto& i : ifs) print_interface(i);
  for (const char* key : {"default_v4", "default_v6"}) {
    const auto& d = (*r)[key];
    if (d.is_object())
      fmt::print("{}: via {} on {} (metric {})\n", key, str_or(d, "gateway", "direct"), str_or(d, "interface"),
                 d.value("metric", 0));
    else
      fmt::print("{}: none\n", key);
  }
  return 0;
}

}  // namespace p2pd::daemon
