#include "daemon/cmd_turn.hpp"

#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

namespace p2pd::daemon {

namespace {

using nlohmann::json;

struct TurnArgs {
  bool json = false;
  std::string id, peer, relay = "udp", family = "ipv4", default_peer;
  int server = -1;
  int lifetime_s = 0;
};

std::string text_or(const json& j, const char* key, const char* fallback = "-") {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

void print_allocation_row(const json& a) {
  fmt::print("{:<12} {:<10} {:<4} {:<22} {:<22} {:>8}\n", text_or(a, "id"), text_or(a, "state"), text_or(a, "relay"),
             text_or(a, "relayed"), text_or(a, "server_address"),
             a["expires_in_s"].is_number() ? fmt::format("{:.0f}s", a["expires_in_s"].get<double>()) : "-");
}

void print_allocation(const json& a) {
  print_allocation_row(a);
  fmt::print("  mapped {}  local {}  pipe {}\n", text_or(a, "mapped"), text_or(a, "local"), text_or(a, "pipe"));
  for (const auto& p : a["permissions"])
    fmt::print("  permission {:<20} {}\n", p.value("peer", "?"), p.value("installed", false) ? "installed" : "pending");
  for (const auto& c : a["channels"])
    fmt::print("  channel 0x{:04X} {:<22} {}\n", c.value("number", 0), c.value("peer", "?"),
               c.value("bound", false) ? "bound" : "pending");
  for (const auto& c : a["connections"]) fmt::print("  connection pipe {}\n", c.get<std::string>());
  if (a["failure"].is_object()) fmt::print("  failed: {}\n", a["failure"].value("message", "?"));
}

int run(const ClientOptions& options, const TurnArgs& args, const std::string& method, const std::string& path,
        const json& body, const std::function<void(const json&)>& human) {
  return run_json_request(options, method, path, body, args.json, human);
}

}  // namespace

std::function<int()> add_turn_command(CLI::App& app, ClientOptions& client,
                                      const std::function<void(CLI::App*)>& add_client_options) {
  auto args = std::make_shared<TurnArgs>();
  auto* turn = app.add_subcommand("turn", "TURN relay allocations (list without a subcommand)");
  turn->require_subcommand(0, 1);
  add_client_options(turn);
  turn->add_flag("--json", args->json, "print the raw JSON answer");

  auto* allocate = turn->add_subcommand("allocate", "allocate a relayed address on the configured servers");
  allocate->add_option("--relay", args->relay, "relayed transport: udp, or tcp (RFC 6062)")
      ->check(CLI::IsMember({"udp", "tcp"}));
  allocate->add_option("--family", args->family, "relayed address family")->check(CLI::IsMember({"ipv4", "ipv6"}));
  allocate->add_option("--server", args->server, "index into turn.servers (default: all, in order)");
  allocate->add_option("--id", args->id, "allocation id (default: turn<N>); also its pipe's name");
  allocate->add_option("--peer", args->default_peer, "default destination of its pipe (IP:PORT)");
  allocate->add_option("--lifetime", args->lifetime_s, "lifetime to ask for, seconds");
  auto* show = turn->add_subcommand("show", "one allocation in detail");
  show->add_option("ID", args->id)->required();
  auto* release = turn->add_subcommand("release", "delete an allocation on its server");
  release->add_option("ID", args->id)->required();
  auto* permit = turn->add_subcommand("permit", "install a permission for a peer address");
  permit->add_option("ID", args->id)->required();
  permit->add_option("PEER", args->peer, "IP or IP:PORT")->required();
  auto* channel = turn->add_subcommand("channel", "bind a channel to a peer");
  channel->add_option("ID", args->id)->required();
  channel->add_option("PEER", args->peer, "IP:PORT")->required();
  auto* connect = turn->add_subcommand("connect", "TCP connection to a peer through a TCP relay (a pipe)");
  connect->add_option("ID", args->id)->required();
  connect->add_option("PEER", args->peer, "IP:PORT")->required();
  for (auto* sub : {allocate, show, release, permit, channel, connect}) {
    add_client_options(sub);
    sub->add_flag("--json", args->json, "print the raw JSON answer");
  }

  return [&client, turn, allocate, show, release, permit, channel, connect, args]() -> int {
    if (!turn->parsed()) return -1;
    const TurnArgs& a = *args;
    const std::string base = "/v1/turn/" + a.id;
    if (allocate->parsed()) {
      json body = {{"relay", a.relay}, {"family", a.family}};
      if (a.server >= 0) body["server"] = a.server;
      if (!a.id.empty()) body["id"] = a.id;
      if (!a.default_peer.empty()) body["peer"] = a.default_peer;
      if (a.lifetime_s > 0) body["lifetime_s"] = a.lifetime_s;
      return run(client, a, "POST", "/v1/turn", body, [](const json& r) { print_allocation(r["allocation"]); });
    }
    if (show->parsed())
      return run(client, a, "GET", base, nullptr, [](const json& r) { print_allocation(r["allocation"]); });
    if (release->parsed())
      return run(client, a, "DELETE", base, nullptr, [&a](const json&) { fmt::print("released {}\n", a.id); });
    if (permit->parsed())
      return run(client, a, "POST", base + "/permissions", {{"peer", a.peer}},
                 [&a](const json& r) { fmt::print("{}: permission for {} installed\n", a.id, r.value("peer", "?")); });
    if (channel->parsed())
      return run(client, a, "POST", base + "/channels", {{"peer", a.peer}}, [&a](const json& r) {
        fmt::print("{}: channel 0x{:04X} bound to {}\n", a.id, r.value("channel", 0), r.value("peer", "?"));
      });
    if (connect->parsed())
      return run(client, a, "POST", base + "/connections", {{"peer", a.peer}}, [&a](const json& r) {
        fmt::print("{}: connected to {} as pipe {}\n", a.id, r.value("peer", "?"), r.value("pipe", "?"));
      });
    return run(client, a, "GET", "/v1/turn", nullptr, [](const json& r) {
      fmt::print("{:<12} {:<10} {:<4} {:<22} {:<22} {:>8}\n", "ID", "STATE", "RLY", "RELAYED", "SERVER", "EXPIRES");
      for (const auto& alloc : r["allocations"]) print_allocation_row(alloc);
      if (r["allocations"].empty()) fmt::print("(no allocations; {} server(s) configured)\n", r["servers"].size());
    });
  };
}

}  // namespace p2pd::daemon
