// GET /version (P2PD shape plus build info), GET /v1/status, GET /metrics.
#include <unistd.h>

#include <p2pd/version.hpp>

#include "rpc/responses.hpp"
#include "rpc/routes.hpp"

namespace p2pd::rpc {

namespace {

// The peer id and the public key (base32, as in peer addresses); null without an identity.
nlohmann::json identity_json(const peer::Identity* id) {
  if (id == nullptr) return nullptr;
  return {{"peer_id", id->peer_id()}, {"public_key", peer::public_key_text(id->public_key())}};
}

nlohmann::json build_info() {
  return {{"version", build::version},
          {"version_full", build::version_full},
          {"git", build::git_describe},
          {"flavor", build::flavor},
          {"compiler", build::compiler}};
}

}  // namespace

void add_system_routes(Router& router, ApiContext& ctx) {
  // Answered without the loop: version information is immutable.
  router.add("GET", "/version", [](const httplib::Request&, httplib::Response& res, const RouteParams&) {
    send_ok(res, {{"title", "P2PD"},
                  {"author", "p2pd developers"},
                  {"version", build::version},
                  {"build", build_info()}});
  });

  router.add("GET", "/v1/status", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams&) {
    auto core = ctx.core;
    auto status = ctx.on_loop([core]() -> Result<nlohmann::json> {
      auto uptime = std::chrono::steady_clock::now() - core.started_at;
      nlohmann::json signaling =
          core.signaling ? core.signaling->to_json() : nlohmann::json{{"connected", 0}, {"brokers", nlohmann::json::array()}};
      return nlohmann::json{
          {"version", build::version_full},
          {"build", build_info()},
          {"uptime_s", std::chrono::duration<double>(uptime).count()},
          {"pid", static_cast<long>(::getpid())},
          {"identity", identity_json(core.identity)},
          {"node", {{"port", core.node_port}}},
          {"subsystems", core.status->to_json()},
          {"signaling", std::move(signaling)},
      };
    });
    if (!status.ok()) return send_v1_error(res, status.error());
    auto body = std::move(*status);
    body["api"] = {{"long_polls_waiting", ctx.long_polls.in_use()}, {"long_polls_max", ctx.long_polls.max()},
                   {"token_required", ctx.token_required}};
    send_ok(res, std::move(body));
  });

  // Prometheus text. Counters are atomics, so no loop round trip is needed.
  router.add("GET", "/metrics", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams&) {
    auto uptime = std::chrono::steady_clock::now() - ctx.core.started_at;
    std::string text = ctx.metrics.render();
    text += "# HELP p2pd_uptime_seconds Seconds since the daemon started\n# TYPE p2pd_uptime_seconds gauge\n";
    text += "p2pd_uptime_seconds " + std::to_string(std::chrono::duration<double>(uptime).count()) + "\n";
    text += "# HELP p2pd_build_info Build of this daemon\n# TYPE p2pd_build_info gauge\n";
    text += std::string("p2pd_build_info{version=\"") + build::version_full + "\"} 1\n";
    res.status = 200;
    res.set_content(text, "text/plain; version=0.0.4");
  });
}

}  // namespace p2pd::rpc
