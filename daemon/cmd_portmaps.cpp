#include "daemon/cmd_portmaps.hpp"

#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

namespace p2pd::daemon {

namespace {

using nlohmann::json;

struct PortmapArgs {
  bool json = false;
  std::string proto = "udp";
  int internal_port = 0;
  int external_port = 0;
  int lifetime_s = 0;
  std::uint64_t id = 0;
  bool pinhole = false;
  std::string address;
};

constexpr int kAddWaitMs = 20000;  // the daemon waits up to 15 s for every protocol's answer

std::string text_or(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "-";
}

void print_row(const json& m) {
  fmt::print("{:>4} {:<7} {:<5} {:>6} {:<24} {:<7} {:<8} {:>8} {:<5}{}\n", m.value("id", 0), text_or(m, "kind"),
             text_or(m, "protocol"),
             m.value("internal_port", 0), text_or(m, "external"), text_or(m, "method"), text_or(m, "state"),
             m.contains("expires_in_s") ? fmt::format("{:.0f}s", m["expires_in_s"].get<double>()) : "-",
             text_or(m, "owner"),
             m.contains("error") ? "  " + m["error"].value("message", std::string()) : std::string());
}

void print_header() {
  fmt::print("{:>4} {:<7} {:<5} {:>6} {:<24} {:<7} {:<8} {:>8} {:<5}\n", "ID", "KIND", "PROTO", "PORT", "EXTERNAL", "METHOD",
             "STATE", "EXPIRES", "OWNER");
}

int run(ClientOptions options, const PortmapArgs& args, const std::string& method, const std::string& path,
        const json& body, const std::function<void(const json&)>& human) {
  if (method == "POST") options.timeout_ms = std::max(options.timeout_ms, kAddWaitMs);
  return run_json_request(options, method, path, body, args.json, human);
}

}  // namespace

std::function<int()> add_portmaps_command(CLI::App& app, ClientOptions& client,
                                          const std::function<void(CLI::App*)>& add_client_options) {
  auto args = std::make_shared<PortmapArgs>();
  auto* portmaps = app.add_subcommand("portmaps", "port mappings on the gateway (list without a subcommand)");
  portmaps->require_subcommand(0, 1);
  add_client_options(portmaps);
  portmaps->add_flag("--json", args->json, "print the raw JSON answer");

  auto* add = portmaps->add_subcommand("add", "map PORT of this host on the gateway (UPnP IGD, NAT-PMP or PCP)");
  add->add_option("PORT", args->internal_port, "the local port")->required()->check(CLI::Range(1, 65535));
  add->add_option("--proto", args->proto, "udp or tcp")->check(CLI::IsMember({"udp", "tcp"}));
  add->add_option("--external", args->external_port, "external port to ask for (default: any)")
      ->check(CLI::Range(0, 65535));
  add->add_option("--lifetime", args->lifetime_s, "lease to ask for, seconds (default: portmap.lease_s)")
      ->check(CLI::Range(10, 604800));
  add->add_flag("--pinhole", args->pinhole, "open an IPv6 pinhole (UPnP WANIPv6FirewallControl) instead of a mapping");
  add->add_option("--address", args->address, "the pinhole's IPv6 address (default: this host's first)");
  auto* del = portmaps->add_subcommand("delete", "delete mapping ID on the gateway");
  del->add_option("ID", args->id, "the mapping's id (see `p2pd portmaps`)")->required()->check(CLI::PositiveNumber);
  for (auto* sub : {add, del}) {
    add_client_options(sub);
    sub->add_flag("--json", args->json, "print the raw JSON answer");
  }

  return [&client, portmaps, add, del, args]() -> int {
    if (!portmaps->parsed()) return -1;
    const PortmapArgs& a = *args;
    if (add->parsed()) {
      json body = {{"proto", a.proto}, {"internal_port", a.internal_port}};
      if (a.external_port > 0) body["external_port"] = a.external_port;
      if (a.lifetime_s > 0) body["lifetime_s"] = a.lifetime_s;
      if (a.pinhole) body["kind"] = "pinhole";
      if (!a.address.empty()) body["internal_address"] = a.address;
      return run(client, a, "POST", "/v1/portmaps", body, [](const json& r) {
        const json& m = r["portmap"];
        fmt::print("mapped {} {} -> {} ({}, {} s) as id {}\n", text_or(m, "protocol"), m.value("internal_port", 0),
                   text_or(m, "external"), text_or(m, "method"), m.value("lifetime_s", 0), m.value("id", 0));
      });
    }
    if (del->parsed())
      return run(client, a, "DELETE", "/v1/portmaps/" + std::to_string(a.id), nullptr, [&a](const json& r) {
        fmt::print("deleted {}{}\n", a.id,
                   r.value("gateway_confirmed", false) ? "" : " (the gateway did not confirm: " + text_or(r, "reason") + ")");
      });
    return run(client, a, "GET", "/v1/portmaps", nullptr, [](const json& r) {
      if (!r.value("enabled", false)) {
        fmt::print("port mapping is off: {}\n", text_or(r, "reason"));
        return;
      }
      fmt::print("gateway {}  method {}\n", text_or(r, "gateway"), text_or(r, "method"));
      if (r.contains("pinholes")) {
        const json& p = r["pinholes"];
        if (!p.value("enabled", false)) {
          fmt::print("IPv6 pinholes off: {}\n", text_or(p, "reason"));
        } else if (p.contains("igd") && p["igd"].is_object()) {
          fmt::print("IPv6 pinholes via {}\n", text_or(p["igd"], "control_url"));
        } else {
          fmt::print("IPv6 pinholes: no IGD yet{}\n", p.contains("reason") ? ": " + text_or(p, "reason") : std::string());
        }
      }
      print_header();
      for (const auto& m : r["portmaps"]) print_row(m);
      if (r["portmaps"].empty()) fmt::print("(no mappings)\n");
    });
  };
}

}  // namespace p2pd::daemon
