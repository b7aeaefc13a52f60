#pragma once
// `p2pd pipes`, `p2pd send NAME TEXT`, `p2pd recv NAME [--timeout-ms N]`,
// `p2pd close NAME`: pipes through /v1/pipes (docs/API.md, "Pipes").
#include <CLI/CLI.hpp>

#include <functional>

#include "daemon/api_client.hpp"

namespace p2pd::daemon {

// Adds the four commands to `app`; returns the action to run (-1 when none of them was
// given, else the exit code).
std::function<int()> add_pipe_commands(CLI::App& app, ClientOptions& client,
                                       const std::function<void(CLI::App*)>& add_client_options);

}  // namespace p2pd::daemon
