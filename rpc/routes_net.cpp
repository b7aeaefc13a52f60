// GET /v1/interfaces (our shape) and GET /ifs (P2PD's), from the daemon's InterfaceService.
#include "core/net/interfaces_json.hpp"
#include "rpc/responses.hpp"
#include "rpc/routes.hpp"

namespace p2pd::rpc {

void add_net_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/v1/interfaces", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams&) {
    auto core = ctx.core;
    auto body = ctx.on_loop([core]() -> Result<nlohmann::json> {
      if (!core.interfaces) return Error{"unavailable", "the interface service is not running"};
      auto j = net::to_json(core.interfaces->snapshot());
      j["scanned_at_ms"] = core.interfaces->scanned_at_ms();
      j["monitoring"] = core.interfaces->monitoring();
      return j;
    });
    if (!body.ok()) return send_v1_error(res, body.error());
    send_ok(res, std::move(*body));
  });

  router.add("GET", "/ifs", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams&) {
    auto core = ctx.core;
    auto body = ctx.on_loop([core]() -> Result<nlohmann::json> {
      if (!core.interfaces) return Error{"unavailable", "the interface service is not running"};
      return net::to_p2pd_json(core.interfaces->snapshot());
    });
    if (!body.ok()) return send_p2pd_error(res, http_status_for(body.error().code), p2pd_code::no_address,
                                           body.error().message);
    send_ok(res, {{"ifs", std::move(*body)}});
  });
}

}  // namespace p2pd::rpc
