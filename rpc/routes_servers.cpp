// /v1/servers: start a server on interfaces x families x protocols, list, inspect, stop
// (docs/API.md, "Servers"). What it accepts becomes pipes "<server>.<n>" (/v1/pipes).
#include <string>

#include "core/pipe/pipe_manager.hpp"
#include "rpc/json_body.hpp"
#include "rpc/responses.hpp"
#include "rpc/routes.hpp"
#include "rpc/server_spec.hpp"

namespace p2pd::rpc {

namespace {

using nlohmann::json;

Error no_pipes() { return Error{"unavailable", "pipes are not in this process"}; }

// Binding errors get statuses of their own; the slug stays as core gave it.
void send_server_error(httplib::Response& res, const Error& e) {
  int status = http_status_for(e.code);
  if (e.code == "address_in_use") status = 409;
  else if (e.code == "no_such_interface" || e.code == "address_unavailable" || e.code == "family_unsupported")
    status = 404;
  else if (e.code == "permission_denied") status = 403;
  send_v1_error(res, status, e.code, e.message);
}

}  // namespace

void add_server_routes(Router& router, ApiContext& ctx) {
  router.add("POST", "/v1/servers", [&ctx](const httplib::Request& req, httplib::Response& res, const RouteParams&) {
    auto body = parse_body(req);
    if (!body) return send_v1_error(res, body.error());
    auto spec = parse_server_spec(*body);
    if (!spec) return send_v1_error(res, spec.error());
    auto* pipes = ctx.core.pipes;
    auto r = ctx.on_loop([pipes, spec = std::move(*spec)]() mutable -> Result<json> {
      if (!pipes) return no_pipes();
      auto info = pipes->start_server(std::move(spec));
      if (!info) return info.error();
      return server_json(*info);
    });
    if (!r) return send_server_error(res, r.error());
    send_json(res, 201, {{"error", 0}, {"server", *r}});
  });

  router.add("GET", "/v1/servers", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams&) {
    auto* pipes = ctx.core.pipes;
    auto r = ctx.on_loop([pipes]() -> Result<json> {
      if (!pipes) return no_pipes();
      json list = json::array();
      for (const auto& info : pipes->servers()) list.push_back(server_json(info));
      return list;
    });
    if (!r) return send_v1_error(res, r.error());
    send_ok(res, {{"servers", *r}});
  });

  router.add("GET", "/v1/servers/:name", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
    auto* pipes = ctx.core.pipes;
    auto r = ctx.on_loop([pipes, name = p["name"]]() -> Result<json> {
      if (!pipes) return no_pipes();
      auto info = pipes->server(name);
      if (!info) return info.error();
      return server_json(*info);
    });
    if (!r) return send_v1_error(res, r.error());
    send_ok(res, {{"server", *r}});
  });

  // Stops listening and closes every pipe the server made.
  router.add("DELETE", "/v1/servers/:name",
             [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
               auto* pipes = ctx.core.pipes;
               const std::string name = p["name"];
               auto r = ctx.on_loop([pipes, name]() -> Result<json> {
                 if (!pipes) return no_pipes();
                 auto info = pipes->server(name);
                 if (!info) return info.error();
                 if (auto st = pipes->stop_server(name); !st) return st.error();
                 return json(info->pipes);
               });
               if (!r) return send_v1_error(res, r.error());
               send_ok(res, {{"stopped", name}, {"closed_pipes", *r}});
             });
}

}  // namespace p2pd::rpc
