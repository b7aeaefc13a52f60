#include "daemon/cmd_peers.hpp"

#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "core/peer/address_book.hpp"

namespace p2pd::daemon {

namespace {

using nlohmann::json;

struct PeersArgs {
  bool json = false;
  std::string name, address;
  int timeout_ms = 5000;  // refresh: how long the daemon waits for the brokers
};

// Slack beyond the daemon's own wait for the HTTP round trip.
constexpr int kClientSlackMs = 2000;

void print_row(const json& p) {
  fmt::print("{:<20} {:<16} {}\n", p.value("name", "?"), p.value("peer_id", "?"), p.value("address", "?"));
}

void print_peer(const json& p) {
  print_row(p);
  fmt::print("  key {}  ports", p.value("public_key", "?"));
  for (const auto& port : p.value("ports", json::array())) fmt::print(" {}", port.get<int>());
  fmt::print("\n");
  for (const auto& b : p.value("signaling", json::array())) fmt::print("  signaling {}\n", b.get<std::string>());
  for (const auto& g : p.value("groups", json::array())) {
    std::string nics;
    for (const auto& n : g.value("nics", json::array())) nics += (nics.empty() ? "" : ",") + n.get<std::string>();
    std::string delta = "-";
    if (g.contains("delta") && g["delta"].is_object()) delta = g["delta"].value("type", "?");
    fmt::print("  if {} {} nics {} external {} nat {} delta {}\n", g.value("ifindex", 0), g.value("family", "?"), nics,
               g["external"].is_string() ? g["external"].get<std::string>() : "-", g.value("nat", "?"), delta);
  }
}

int run(const ClientOptions& options, const PeersArgs& args, const std::string& method, const std::string& path,
        const json& body, const std::function<void(const json&)>& human) {
  return run_json_request(options, method, path, body, args.json, human);
}

}  // namespace

std::function<int()> add_peers_command(CLI::App& app, ClientOptions& client,
                                       const std::function<void(CLI::App*)>& add_client_options) {
  auto args = std::make_shared<PeersArgs>();
  auto* peers = app.add_subcommand("peers", "the address book (list without a subcommand)");
  peers->require_subcommand(0, 1);
  auto* add = peers->add_subcommand("add", "name a peer address (replaces the name's address)");
  add->add_option("NAME", args->name)->required();
  add->add_option("ADDRESS", args->address, "a peer address, p2pd1_...")->required();
  auto* show = peers->add_subcommand("show", "one peer and its address decoded");
  show->add_option("NAME", args->name)->required();
  auto* rm = peers->add_subcommand("rm", "forget a name");
  rm->add_option("NAME", args->name)->required();
  auto* refresh = peers->add_subcommand("refresh", "fetch the peer's newest address by its key from the signaling brokers");
  refresh->add_option("NAME", args->name)->required();
  refresh->add_option("--timeout-ms", args->timeout_ms, "wait at most this long for the brokers (1-60000)")
      ->check(CLI::Range(1, 60000));
  for (auto* cmd : {peers, add, show, rm, refresh}) {
    add_client_options(cmd);
    cmd->add_flag("--json", args->json, "print the raw JSON answer");
  }

  return [&client, peers, add, show, rm, refresh, args]() -> int {
    if (!peers->parsed()) return -1;
    const PeersArgs& a = *args;
    if (add->parsed() || show->parsed() || rm->parsed() || refresh->parsed()) {
      if (auto st = peer::check_book_name(a.name); !st) {  // also keeps the name safe in a path
        std::fprintf(stderr, "p2pd: %s\n", st.error().message.c_str());
        return 2;
      }
    }
    const std::string path = "/v1/peers/" + a.name;
    if (add->parsed())
      return run(client, a, "PUT", path, {{"address", a.address}}, [](const json& r) {
        fmt::print("{} {}\n", r.value("created", false) ? "added" : "replaced", r["peer"].value("name", "?"));
      });
    if (show->parsed()) return run(client, a, "GET", path, nullptr, [](const json& r) { print_peer(r["peer"]); });
    if (refresh->parsed()) {
      ClientOptions options = client;
      options.timeout_ms += a.timeout_ms + kClientSlackMs;
      return run(options, a, "POST", path + "/refresh", {{"timeout_ms", a.timeout_ms}}, [](const json& r) {
        fmt::print("{} {}\n", r.value("changed", false) ? "changed" : "unchanged", r["peer"].value("name", "?"));
        print_peer(r["peer"]);
      });
    }
    if (rm->parsed())
      return run(client, a, "DELETE", path, nullptr, [&a](const json&) { fmt::print("removed {}\n", a.name); });
    return run(client, a, "GET", "/v1/peers", nullptr, [](const json& r) {
      fmt::print("{:<20} {:<16} {}\n", "NAME", "PEER ID", "ADDRESS");
      for (const auto& p : r["peers"]) print_row(p);
      if (r["peers"].empty()) fmt::print("(the address book is empty)\n");
    });
  };
}

}  // namespace p2pd::daemon
