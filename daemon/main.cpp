// p2pd: the daemon and its command-line client (docs/API.md, "Command line").
#include <cstdio>

#include <CLI/CLI.hpp>

#include <p2pd/version.hpp>

#include "daemon/cmd_addr.hpp"
#include "daemon/cmd_ifs.hpp"
#include "daemon/cmd_peers.hpp"
#include "daemon/cmd_pipes.hpp"
#include "daemon/cmd_portmaps.hpp"
#include "daemon/cmd_signaling.hpp"
#include "daemon/cmd_nat.hpp"
#include "daemon/cmd_status.hpp"
#include "daemon/cmd_turn.hpp"
#include "daemon/daemon.hpp"

namespace {

void add_client_options(CLI::App* cmd, p2pd::daemon::ClientOptions& client, bool* json) {
  cmd->add_option("--api", client.api, "daemon API endpoint: HOST:PORT, [::1]:PORT or unix:PATH");
  cmd->add_option("--state-dir", client.state_dir, "state directory holding api.token");
  if (json) cmd->add_flag("--json", *json, "print the raw JSON answer");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"p2pd: peer-to-peer connectivity daemon", "p2pd"};
  app.set_version_flag("--version", p2pd::build::version_full);
  app.require_subcommand(1);

  p2pd::daemon::DaemonOptions daemon_options;
  auto* daemon_cmd = app.add_subcommand("daemon", "run the daemon in the foreground");
  daemon_cmd->add_option("--config", daemon_options.config_path, "config file (overlay on the embedded defaults)");
  daemon_cmd->add_option("--state-dir", daemon_options.state_dir, "state directory (identity, token, book)");
  daemon_cmd->add_option("--api-listen", daemon_options.api_listen,
                         "API endpoint, repeatable; replaces api.listen (HOST:PORT, [::1]:PORT, unix:PATH)");
  daemon_cmd->add_option("--log-level", daemon_options.log_level,
                         "trace, debug, info, warn, error, critical or off");

  p2pd::daemon::ClientOptions client;
  bool json = false;
  auto* status_cmd = app.add_subcommand("status", "show the running daemon's state");
  add_client_options(status_cmd, client, &json);
  auto* ifs_cmd = app.add_subcommand("ifs", "show the daemon's interfaces, addresses and default routes");
  add_client_options(ifs_cmd, client, &json);
  auto* addr_cmd = app.add_subcommand("addr", "print this daemon's peer address (to give to another peer)");
  add_client_options(addr_cmd, client, &json);
  bool nat_refresh = false;
  auto* nat_cmd = app.add_subcommand("nat", "show the NAT type, mapping, filtering and port delta per interface");
  add_client_options(nat_cmd, client, &json);
  nat_cmd->add_flag("--refresh", nat_refresh, "classify again now and wait for the result");
  auto turn_cmd = p2pd::daemon::add_turn_command(app, client, [&client](CLI::App* cmd) {
    add_client_options(cmd, client, nullptr);
  });

  auto peers_cmd = p2pd::daemon::add_peers_command(app, client, [&client](CLI::App* cmd) {
    add_client_options(cmd, client, nullptr);
  });

  auto signaling_cmd = p2pd::daemon::add_signaling_command(app, client, [&client](CLI::App* cmd) {
    add_client_options(cmd, client, nullptr);
  });

  auto pipe_cmds = p2pd::daemon::add_pipe_commands(app, client, [&client](CLI::App* cmd) {
    add_client_options(cmd, client, nullptr);
  });

  auto portmaps_cmd = p2pd::daemon::add_portmaps_command(app, client, [&client](CLI::App* cmd) {
    add_client_options(cmd, client, nullptr);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;  // CLI11 uses 100-127 for usage errors; ours is 2
  }

  if (daemon_cmd->parsed()) return p2pd::daemon::run_daemon(daemon_options);
  if (status_cmd->parsed()) return p2pd::daemon::cmd_status(client, json);
  if (ifs_cmd->parsed()) return p2pd::daemon::cmd_ifs(client, json);
  if (addr_cmd->parsed()) return p2pd::daemon::cmd_addr(client, json);
  if (nat_cmd->parsed()) return p2pd::daemon::cmd_nat(client, json, nat_refresh);
  if (int rc = turn_cmd(); rc >= 0) return rc;
  if (int rc = peers_cmd(); rc >= 0) return rc;
  if (int rc = signaling_cmd(); rc >= 0) return rc;
  if (int rc = pipe_cmds(); rc >= 0) return rc;
  if (int rc = portmaps_cmd(); rc >= 0) return rc;
  return 2;
}
