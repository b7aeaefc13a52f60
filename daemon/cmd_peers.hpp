#pragma once
// `p2pd peers [add NAME ADDRESS | show NAME | rm NAME]`: the address book through
// /v1/peers (docs/API.md, "Address book").
#include <CLI/CLI.hpp>

#include <functional>

#include "daemon/api_client.hpp"

namespace p2pd::daemon {

// Adds `peers` and its subcommands to `app`; returns the action to run (-1 when
// `peers` was not given, else the exit code).
std::function<int()> add_peers_command(CLI::App& app, ClientOptions& client,
                                       const std::function<void(CLI::App*)>& add_client_options);

}  // namespace p2pd::daemon
