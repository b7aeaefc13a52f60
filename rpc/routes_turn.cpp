// /v1/turn: TURN allocations (docs/API.md, "TURN"). Creating one, installing a
// permission, binding a channel and connecting (RFC 6062) wait for the server's answer
// (call_deferred, under the long-poll bound); the rest is one bridge call.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "rpc/json_body.hpp"
#include "rpc/responses.hpp"
#include "rpc/routes.hpp"
#include "rpc/wait_on_loop.hpp"

namespace p2pd::rpc {

namespace {

using nlohmann::json;
using traverse::turn::TurnManager;

// TURN failures are the upstream server's answers: 502 (504 for silence), also a TLS
// server whose certificate or handshake failed; an unusable trust store (tls_ca) is ours: 500.
int turn_status_for(const std::string& code) {
  if (code == "turn_auth" || code == "turn_refused" || code == "allocation_mismatch" || code == "allocation_lost" ||
      code == "expired" || code == "bad_answer" || code == "tls_cert" || code == "tls_handshake" ||
      code == "tls_error")
    return 502;
  if (code == "tls_ca") return 500;
  if (code == "closed") return 409;
  return http_status_for(code);
}

void send_turn_error(httplib::Response& res, const Error& e) {
  send_v1_error(res, turn_status_for(e.code), e.code, e.message);
}

// "ip:port" or "[v6]:port"; with allow_ip, a bare address too (port 0).
Result<net::Endpoint> peer_field(const json& body, bool allow_ip) {
  auto text = string_field(body, "peer");
  if (!text) return text.error();
  if (auto ep = net::Endpoint::parse(*text)) return *ep;
  if (allow_ip)
    if (auto ip = net::IpAddress::parse(*text)) return net::Endpoint{*ip, 0};
  return Error{"bad_request", "\"peer\" is not " + std::string(allow_ip ? "an address or " : "") +
                                  "an ip:port endpoint: \"" + *text + "\""};
}

Result<traverse::turn::CreateRequest> create_request(const json& body) {
  traverse::turn::CreateRequest r;
  for (const auto& [key, value] : body.items()) {
    if (key == "id") {
      if (!value.is_string()) return Error{"bad_request", "\"id\" must be a string"};
      r.id = value.get<std::string>();
    } else if (key == "server") {
      if (!value.is_number_unsigned()) return Error{"bad_request", "\"server\" must be an index into turn.servers"};
      r.server = value.get<std::size_t>();
    } else if (key == "relay") {
      if (value == "udp") r.tcp_relay = false;
      else if (value == "tcp") r.tcp_relay = true;
      else return Error{"bad_request", "\"relay\" must be \"udp\" or \"tcp\""};
    } else if (key == "family") {
      if (value == "ipv4") r.family = traverse::turn::AddressFamily::v4;
      else if (value == "ipv6") r.family = traverse::turn::AddressFamily::v6;
      else return Error{"bad_request", "\"family\" must be \"ipv4\" or \"ipv6\""};
    } else if (key == "lifetime_s") {
      if (!value.is_number_unsigned()) return Error{"bad_request", "\"lifetime_s\" must be a number of seconds"};
      r.lifetime_s = value.get<std::uint32_t>();
    } else if (key == "peer") {
      auto peer = peer_field(body, false);
      if (!peer) return peer.error();
      r.peer = *peer;
    } else if (key != "timeout_ms") {
      return Error{"bad_request", "unknown key \"" + key + "\""};
    }
  }
  return r;
}

constexpr std::uint64_t kDefaultWaitMs = 30000;
constexpr std::uint64_t kMaxWaitMs = 300000;

// The shape of the per-peer calls that wait for the server: the body names "peer" (and
// optionally "timeout_ms"); `start(turn, id, peer, done)` asks the TurnManager on the loop.
// Errors are answered here; the value and the peer come back for the 201 body.
template <typename T, typename Start>
std::optional<std::pair<T, net::Endpoint>> wait_for_peer_call(ApiContext& ctx, const httplib::Request& req,
                                                              httplib::Response& res, const std::string& id,
                                                              bool allow_ip, Start start) {
  auto body = parse_body(req);
  if (!body) return send_v1_error(res, body.error()), std::nullopt;
  auto peer = peer_field(*body, allow_ip);
  if (!peer) return send_v1_error(res, peer.error()), std::nullopt;
  auto* turn = ctx.core.turn;
  auto r = wait_on_loop<T>(
      ctx, res,
      [turn, id, peer = *peer, start](loop::Promise<T> promise) {
        if (!turn) return (void)promise.resolve(Error{"unavailable", "TURN is not in this process"});
        start(*turn, id, peer, [promise](Result<T> v) { promise.resolve(std::move(v)); });
      },
      timeout_field(*body, kDefaultWaitMs, kMaxWaitMs));
  if (!r) return std::nullopt;
  if (!*r) return send_turn_error(res, r->error()), std::nullopt;
  return std::pair{std::move(**r), *peer};
}

}  // namespace

void add_turn_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/v1/turn", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams&) {
    auto* turn = ctx.core.turn;
    auto r = ctx.on_loop([turn]() -> Result<json> {
      if (!turn) return Error{"unavailable", "TURN is not in this process"};
      return turn->list();
    });
    if (!r) return send_v1_error(res, r.error());
    send_ok(res, *r);
  });

  router.add("POST", "/v1/turn", [&ctx](const httplib::Request& req, httplib::Response& res, const RouteParams&) {
    auto body = parse_body(req);
    if (!body) return send_v1_error(res, body.error());
    auto request = create_request(*body);
    if (!request) return send_v1_error(res, request.error());
    auto* turn = ctx.core.turn;
    auto r = wait_on_loop<json>(
        ctx, res,
        [turn, request = *request](loop::Promise<json> p) {
          if (!turn) return (void)p.resolve(Error{"unavailable", "TURN is not in this process"});
          turn->create(request, [p](Result<json> done) { p.resolve(std::move(done)); });
        },
        timeout_field(*body, kDefaultWaitMs, kMaxWaitMs));
    if (!r) return;
    if (!*r) return send_turn_error(res, r->error());
    send_json(res, 201, {{"error", 0}, {"allocation", **r}});
  });

  router.add("GET", "/v1/turn/:id", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
    auto* turn = ctx.core.turn;
    auto r = ctx.on_loop([turn, id = p["id"]]() -> Result<json> {
      if (!turn) return Error{"unavailable", "TURN is not in this process"};
      return turn->get(id);
    });
    if (!r) return send_v1_error(res, r.error());
    send_ok(res, {{"allocation", *r}});
  });

  router.add("DELETE", "/v1/turn/:id", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
    auto* turn = ctx.core.turn;
    const std::string id = p["id"];
    auto r = wait_on_loop<bool>(
        ctx, res,
        [turn, id](loop::Promise<bool> promise) {
          if (!turn) return (void)promise.resolve(Error{"unavailable", "TURN is not in this process"});
          auto st = turn->release(id, [promise] { promise.resolve(true); });
          if (!st) promise.resolve(st.error());
        },
        std::chrono::milliseconds(kDefaultWaitMs));
    if (!r) return;
    if (!*r) return send_turn_error(res, r->error());
    send_ok(res, {{"released", id}});
  });

  router.add("POST", "/v1/turn/:id/permissions",
             [&ctx](const httplib::Request& req, httplib::Response& res, const RouteParams& p) {
               auto r = wait_for_peer_call<bool>(ctx, req, res, p["id"], true,
                                                 [](TurnManager& turn, const std::string& id, net::Endpoint peer,
                                                    std::function<void(Result<bool>)> done) {
                                                   turn.permit(id, peer, [done](Status st) {
                                                     if (st) done(true);
                                                     else done(st.error());
                                                   });
                                                 });
               if (!r) return;
               send_json(res, 201, {{"error", 0}, {"peer", r->second.address.to_string()}, {"installed", true}});
             });

  router.add("DELETE", "/v1/turn/:id/permissions/:peer",
             [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
               auto ip = net::IpAddress::parse(p["peer"]);
               if (!ip) return send_v1_error(res, 400, "bad_request", "not an IP address: " + p["peer"]);
               auto* turn = ctx.core.turn;
               auto r = ctx.on_loop([turn, id = p["id"], peer = net::Endpoint{*ip, 0}]() -> Result<bool> {
                 if (!turn) return Error{"unavailable", "TURN is not in this process"};
                 auto st = turn->revoke(id, peer);
                 if (!st) return st.error();
                 return true;
               });
               if (!r) return send_v1_error(res, r.error());
               send_ok(res, {{"revoked", ip->to_string()}});
             });

  router.add("POST", "/v1/turn/:id/channels",
             [&ctx](const httplib::Request& req, httplib::Response& res, const RouteParams& p) {
               auto r = wait_for_peer_call<std::uint16_t>(
                   ctx, req, res, p["id"], false,
                   [](TurnManager& turn, const std::string& id, net::Endpoint peer,
                      std::function<void(Result<std::uint16_t>)> done) { turn.bind_channel(id, peer, done); });
               if (!r) return;
               send_json(res, 201, {{"error", 0}, {"peer", r->second.to_string()}, {"channel", r->first}});
             });

  router.add("POST", "/v1/turn/:id/connections",
             [&ctx](const httplib::Request& req, httplib::Response& res, const RouteParams& p) {
               auto r = wait_for_peer_call<std::string>(
                   ctx, req, res, p["id"], false,
                   [](TurnManager& turn, const std::string& id, net::Endpoint peer,
                      std::function<void(Result<std::string>)> done) { turn.connect(id, peer, done); });
               if (!r) return;
               send_json(res, 201, {{"error", 0}, {"peer", r->second.to_string()}, {"pipe", r->first}});
             });
}

}  // namespace p2pd::rpc
