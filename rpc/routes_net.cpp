// GET /v1/interfaces (our shape) and GET /ifs (P2PD's), from the daemon's InterfaceService;
// GET /v1/nat and POST /v1/nat/refresh from its NatService.
#include "core/net/interfaces_json.hpp"
#include "core/traverse/nat_json.hpp"
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

  auto nat_state = [](traverse::NatService& nat) {
    nlohmann::json results = nlohmann::json::array();
    for (const auto& r : nat.results()) results.push_back(traverse::to_json(r));
    return nlohmann::json{{"results", std::move(results)},
                          {"running", nat.running()},
                          {"runs", nat.runs()},
                          {"refreshed_at_ms", nat.refreshed_at_ms()},
                          {"finished_at_ms", nat.finished_at_ms()}};
  };

  router.add("GET", "/v1/nat", [&ctx, nat_state](const httplib::Request&, httplib::Response& res, const RouteParams&) {
    auto core = ctx.core;
    auto body = ctx.on_loop([core, nat_state]() -> Result<nlohmann::json> {
      if (!core.nat) return Error{"unavailable", "the NAT service is not running"};
      return nat_state(*core.nat);
    });
    if (!body.ok()) return send_v1_error(res, body.error());
    send_ok(res, std::move(*body));
  });

  router.add("POST", "/v1/nat/refresh", [&ctx, nat_state](const httplib::Request&, httplib::Response& res, const RouteParams&) {
    auto core = ctx.core;
    auto body = ctx.on_loop([core, nat_state]() -> Result<nlohmann::json> {
      if (!core.nat) return Error{"unavailable", "the NAT service is not running"};
      core.nat->refresh();
      return nat_state(*core.nat);
    });
    if (!body.ok()) return send_v1_error(res, body.error());
    (*body)["error"] = 0;
    send_json(res, 202, *body);  // started; GET /v1/nat shows when it finished
  });
}

}  // namespace p2pd::rpc
