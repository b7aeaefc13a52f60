#pragma once
// `p2pd portmaps [add|delete]`: port mappings on the gateway through /v1/portmaps
// (docs/API.md, "Port mapping").
#include <CLI/CLI.hpp>

#include <functional>

#include "daemon/api_client.hpp"

namespace p2pd::daemon {

// Adds `portmaps` and its subcommands to `app`; returns the action to run when it was
// parsed (it returns the exit code), or -1 when it was not.
std::function<int()> add_portmaps_command(CLI::App& app, ClientOptions& client,
                                          const std::function<void(CLI::App*)>& add_client_options);

}  // namespace p2pd::daemon
