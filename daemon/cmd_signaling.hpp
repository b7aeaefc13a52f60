#pragma once
// `p2pd signaling [ping DEST [--text T] [--timeout-ms N]]`: the brokers (from /v1/status)
// and a sealed ping through them (POST /v1/signaling/ping; docs/API.md, "Signaling").
#include <CLI/CLI.hpp>

#include <functional>

#include "daemon/api_client.hpp"

namespace p2pd::daemon {

// Adds `signaling` and its subcommand to `app`; returns the action to run (-1 when
// `signaling` was not given, else the exit code).
std::function<int()> add_signaling_command(CLI::App& app, ClientOptions& client,
                                           const std::function<void(CLI::App*)>& add_client_options);

}  // namespace p2pd::daemon
