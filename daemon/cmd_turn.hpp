#pragma once
// `p2pd turn ...`: TURN allocations through /v1/turn (docs/API.md, "TURN").
#include <CLI/CLI.hpp>

#include <functional>

#include "daemon/api_client.hpp"

namespace p2pd::daemon {

// Adds `turn` and its subcommands to `app`; returns the action to run when it was
// parsed (it returns the exit code).
std::function<int()> add_turn_command(CLI::App& app, ClientOptions& client,
                                      const std::function<void(CLI::App*)>& add_client_options);

}  // namespace p2pd::daemon
