#pragma once
// Route tables, one function per area; api_server.cpp calls them all.
#include "rpc/api_context.hpp"
#include "rpc/router.hpp"

namespace p2pd::rpc {

void add_system_routes(Router& router, ApiContext& ctx);  // /version, /v1/status, /metrics
void add_turn_routes(Router& router, ApiContext& ctx);    // /v1/turn
void add_portmap_routes(Router& router, ApiContext& ctx);  // /v1/portmaps
void add_p2pd_pipe_routes(Router& router, ApiContext& ctx);  // /send /recv /binary /sub /close
void add_server_routes(Router& router, ApiContext& ctx);  // /v1/servers
void add_net_routes(Router& router, ApiContext& ctx);     // /v1/interfaces, /ifs, /v1/nat
void add_peer_routes(Router& router, ApiContext& ctx);    // /v1/addr, /addr, /v1/sessions
void add_book_routes(Router& router, ApiContext& ctx);    // /v1/peers (the address book)
void add_pipe_routes(Router& router, ApiContext& ctx);    // /v1/pipes
void add_pipe_forward_routes(Router& router, ApiContext& ctx);  // /v1/pipes/<name>/forward
void add_peer_pipe_routes(Router& router, ApiContext& ctx);  // /open (POST /v1/pipes "to" too)
void add_tunnel_routes(Router& router, ApiContext& ctx);  // GET /tunnel/<c> when not taken over (rpc/tunnel.hpp)
void add_signaling_routes(Router& router, ApiContext& ctx);  // /v1/signaling/ping
void add_event_routes(Router& router, ApiContext& ctx);   // /v1/events (long poll and SSE)

}  // namespace p2pd::rpc
