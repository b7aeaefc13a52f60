#include "daemon/cmd_signaling.hpp"

#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

namespace p2pd::daemon {

namespace {

using nlohmann::json;

struct SignalingArgs {
  bool json = false;
  std::string to;
  std::string text = "ping";
  int timeout_ms = 5000;  // how long the daemon waits for the pong
};

// Slack beyond the daemon's own wait for the HTTP round trip.
constexpr int kClientSlackMs = 2000;

void print_brokers(const json& status) {
  const json sig = status.value("signaling", json::object());
  const json subsystem = status.value("subsystems", json::object()).value("signaling", json::object());
  fmt::print("signaling {}: {}\n", subsystem.value("state", "?"), subsystem.value("reason", ""));
  const json brokers = sig.value("brokers", json::array());
  if (brokers.empty()) return;
  fmt::print("{:<32} {:<10} {:>8} {:>10}  {}\n", "BROKER", "STATE", "CONNECTS", "FAILURES", "LAST ERROR");
  for (const auto& b : brokers)
    fmt::print("{:<32} {:<10} {:>8} {:>10}  {}\n", b.value("broker", "?"), b.value("state", "?"), b.value("connects", 0),
               b.value("failures", 0), b.value("last_error", ""));
}

}  // namespace

std::function<int()> add_signaling_command(CLI::App& app, ClientOptions& client,
                                           const std::function<void(CLI::App*)>& add_client_options) {
  auto args = std::make_shared<SignalingArgs>();
  auto* signaling = app.add_subcommand("signaling", "the MQTT brokers (list without a subcommand)");
  signaling->require_subcommand(0, 1);
  auto* ping = signaling->add_subcommand("ping", "send a sealed ping to a peer's key through the brokers");
  ping->add_option("DEST", args->to, "a peer address, an address-book name, or self")->required();
  ping->add_option("--text", args->text, "what the peer sends back (at most 1024 bytes)");
  ping->add_option("--timeout-ms", args->timeout_ms, "wait at most this long for the answer (1-60000)")
      ->check(CLI::Range(1, 60000));
  for (auto* cmd : {signaling, ping}) {
    add_client_options(cmd);
    cmd->add_flag("--json", args->json, "print the raw JSON answer");
  }

  return [&client, signaling, ping, args]() -> int {
    if (!signaling->parsed()) return -1;
    const SignalingArgs& a = *args;
    if (ping->parsed()) {
      ClientOptions options = client;
      options.timeout_ms += a.timeout_ms + kClientSlackMs;
      json body{{"to", a.to}, {"text", a.text}, {"timeout_ms", a.timeout_ms}};
      return run_json_request(options, "POST", "/v1/signaling/ping", body, a.json, [](const json& r) {
        fmt::print("pong from {} via {} in {:.1f} ms: {}\n", r.value("peer_id", "?"), r.value("broker", "?"),
                   r.value("rtt_ms", 0.0), r.value("text", ""));
      });
    }
    return run_json_request(client, "GET", "/v1/status", nullptr, false, [&a](const json& status) {
      if (!a.json) return print_brokers(status);
      json out = status.value("signaling", json::object());
      out["subsystem"] = status.value("subsystems", json::object()).value("signaling", json::object());
      std::puts(out.dump(2).c_str());
    });
  };
}

}  // namespace p2pd::daemon
