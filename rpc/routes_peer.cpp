// This daemon's peer address (GET /v1/addr, P2PD's GET /addr) and its peer sessions
// (GET /v1/sessions; POST /v1/sessions connects to a peer without opening a stream).
#include <chrono>
#include <string>

#include "core/peer/address_json.hpp"
#include "core/peer/identity.hpp"
#include "core/peer/link_json.hpp"
#include "rpc/peer_target.hpp"
#include "rpc/json_body.hpp"
#include "rpc/responses.hpp"
#include "rpc/routes.hpp"
#include "rpc/wait_on_loop.hpp"

namespace p2pd::rpc {
namespace {

using nlohmann::json;

constexpr std::uint64_t kDefaultConnectWaitMs = 15000;

}  // namespace

void add_peer_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/v1/addr", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams&) {
    auto* peers = ctx.core.peers;
    auto r = ctx.on_loop([peers]() -> Result<json> {
      if (!peers) return Error{"unavailable", "no peer subsystem in this process"};
      auto a = peers->own_address();
      if (!a) return a.error();
      auto text = proto::peer::serialize(*a);
      auto parts = peer::address_parts_json(*a);
      return json{{"addr", text},
                  {"length", text.size()},
                  {"peer_id", peers->identity().peer_id()},
                  {"key", proto::peer::key_to_text(a->key)},
                  {"ports", a->ports},
                  {"signaling", parts["signaling"]},
                  {"groups", parts["groups"]}};
    });
    if (!r) return send_v1_error(res, r.error());
    send_ok(res, *r);
  });

  router.add("GET", "/addr", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams&) {
    auto* peers = ctx.core.peers;
    auto r = ctx.on_loop([peers]() -> Result<std::string> {
      if (!peers) return Error{"unavailable", "no peer subsystem in this process"};
      auto a = peers->own_address();
      if (!a) return a.error();
      return proto::peer::serialize(*a);
    });
    if (!r) return send_p2pd_error(res, http_status_for(r.error().code), p2pd_code::no_address, r.error().message);
    send_ok(res, {{"addr", *r}});
  });

  router.add("GET", "/v1/sessions", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams&) {
    auto* peers = ctx.core.peers;
    auto r = ctx.on_loop([peers]() -> Result<json> {
      json list = json::array();
      if (peers && peers->service())
        for (const auto& l : peers->service()->links()) list.push_back(peer::link_json(l));
      return json{{"sessions", list}};
    });
    if (!r) return send_v1_error(res, r.error());
    send_ok(res, *r);
  });

  router.add("POST", "/v1/sessions", [&ctx](const httplib::Request& req, httplib::Response& res, const RouteParams&) {
    auto body = parse_body(req);
    if (!body) return send_v1_error(res, body.error());
    auto target = target_field(*body, ctx.core.book);
    if (!target) return send_v1_error(res, target.error());
    if (body->contains("path")) {
      auto path = string_field(*body, "path");
      if (!path) return send_v1_error(res, path.error());
      auto forced = parse_forced_path(*path);
      if (!forced) return send_v1_error(res, forced.error());
      target->path = *forced;
    }
    auto* peers = ctx.core.peers;
    auto r = wait_on_loop<json>(
        ctx, res,
        [peers, target = std::move(*target)](loop::Promise<json> promise) {
          if (!peers || !peers->service())
            return (void)promise.resolve(Error{"unavailable", "the node port is not bound (see \"peers\" in /v1/status)"});
          auto done = [promise](Result<peer::PeerLinkInfo> link) {
            if (!link) return (void)promise.resolve(link.error());
            promise.resolve(json{{"session", peer::link_json(*link)}});
          };
          if (target.self) peers->service()->connect_self(done, target.path);
          else peers->service()->connect(target.address, done, target.path);
        },
        timeout_field(*body, kDefaultConnectWaitMs, 120000));
    if (!r) return;
    if (!*r) return send_v1_error(res, r->error());
    send_ok(res, **r);
  });
}

}  // namespace p2pd::rpc
