// POST/DELETE /v1/pipes/<name>/forward: a loopback port whose one connection (TCP pipes)
// or whose datagrams (UDP pipes) carry the pipe's bytes (docs/API.md, "Pipes").
#include <string>

#include "core/pipe/pipe_manager.hpp"
#include "rpc/json_body.hpp"
#include "rpc/responses.hpp"
#include "rpc/routes.hpp"

namespace p2pd::rpc {
namespace {

// {"listen"?: "127.0.0.1:0"}: loopback only, so no other host reaches the pipe.
Result<net::Endpoint> listen_endpoint(const httplib::Request& req) {
  std::string listen = "127.0.0.1:0";
  if (!req.body.empty()) {
    auto body = parse_body(req);
    if (!body) return body.error();
    for (const auto& [key, value] : body->items()) {
      if (key != "listen") return Error{"bad_request", "unknown key \"" + key + "\""};
      if (!value.is_string()) return Error{"bad_request", "\"listen\" must be a string \"ip:port\""};
      listen = value.get<std::string>();
    }
  }
  auto ep = net::Endpoint::parse(listen);
  if (!ep) return Error{"bad_request", "\"listen\" is not an ip:port endpoint: \"" + listen + "\""};
  if (!ep->address.is_loopback())
    return Error{"bad_request", "\"listen\" must be a loopback address (127.0.0.0/8 or ::1)"};
  return *ep;
}

}  // namespace

void add_pipe_forward_routes(Router& router, ApiContext& ctx) {
  router.add("POST", "/v1/pipes/:name/forward",
             [&ctx](const httplib::Request& req, httplib::Response& res, const RouteParams& p) {
               auto listen = listen_endpoint(req);
               if (!listen) return send_v1_error(res, listen.error());
               auto* pipes = ctx.core.pipes;
               const std::string name = p["name"];
               auto r = ctx.on_loop([pipes, name, listen = *listen]() -> Result<net::Endpoint> {
                 if (!pipes) return Error{"unavailable", "pipes are not in this process"};
                 return pipes->forward(name, listen);
               });
               if (!r) return send_v1_error(res, r.error());
               send_json(res, 201, {{"error", 0}, {"pipe", name}, {"listen", r->to_string()}, {"port", r->port}});
             });

  router.add("DELETE", "/v1/pipes/:name/forward",
             [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
               auto* pipes = ctx.core.pipes;
               const std::string name = p["name"];
               auto r = ctx.on_loop([pipes, name]() -> Result<bool> {
                 if (!pipes) return Error{"unavailable", "pipes are not in this process"};
                 if (auto st = pipes->unforward(name); !st) return st.error();
                 return true;
               });
               if (!r) return send_v1_error(res, r.error());
               send_ok(res, {{"pipe", name}, {"unforwarded", true}});
             });
}

}  // namespace p2pd::rpc
