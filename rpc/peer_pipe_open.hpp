#pragma once
// POST /v1/pipes with "to": a pipe over a QUIC stream to a peer (routes_peer_pipes.cpp).
// routes_pipes.cpp hands such bodies here; GET /open/<c>/<to> is the P2PD spelling.
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "rpc/api_context.hpp"

namespace p2pd::rpc {

void open_peer_pipe(ApiContext& ctx, const nlohmann::json& body, httplib::Response& res);

}  // namespace p2pd::rpc
