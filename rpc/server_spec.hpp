#pragma once
// The body of POST /v1/servers (docs/API.md, "Servers") as a pipe::ServerSpec, and a
// server as JSON. Pure: unit-tested alone.
#include <nlohmann/json.hpp>

#include "core/pipe/server.hpp"
#include "core/result.hpp"

namespace p2pd::rpc {

// Errors: "bad_request" naming the key.
Result<pipe::ServerSpec> parse_server_spec(const nlohmann::json& body);

nlohmann::json server_json(const pipe::ServerInfo& info);

}  // namespace p2pd::rpc
