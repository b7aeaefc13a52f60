#pragma once
// GET /tunnel/<c> (docs/API.md, "P2PD-compatible routes"; docs/ARCHITECTURE.md,
// "/tunnel"): the HTTP connection becomes a raw two-way relay with pipe <c>.
//  - tunnel_takeover: the HttpListener hook. On an HTTP worker it parses the peeked
//    head; a GET /tunnel/<c> that passes the access rules is handed to the loop in one
//    bridge call, which checks the pipe, consumes the head and gives the socket to
//    PipeManager::tunnel_socket. Anything else (or a refusal) is declined and served
//    as a normal request.
//  - add_tunnel_routes (routes.hpp): the route a declined /tunnel request reaches, answering why
//    (unknown pipe, already attached, unix socket listener, loop busy...).
#include <string_view>

#include "rpc/api_context.hpp"
#include "rpc/http_listener.hpp"

namespace p2pd::rpc {

HttpListener::Takeover tunnel_takeover(ApiContext& ctx);

}  // namespace p2pd::rpc
