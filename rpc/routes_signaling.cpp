// POST /v1/signaling/ping: a sealed "ping" request to a peer's key through the signaling
// brokers, answered "pong" with the same payload by its daemon (docs/API.md, "Signaling").
#include <chrono>
#include <string>

#include "core/peer/identity.hpp"
#include "rpc/json_body.hpp"
#include "rpc/peer_target.hpp"
#include "rpc/responses.hpp"
#include "rpc/routes.hpp"
#include "rpc/wait_on_loop.hpp"

namespace p2pd::rpc {
namespace {

using nlohmann::json;

constexpr std::uint64_t kDefaultPingWaitMs = 5000;
constexpr std::uint64_t kMaxPingWaitMs = 60000;
constexpr std::size_t kMaxPingText = 1024;

}  // namespace

void add_signaling_routes(Router& router, ApiContext& ctx) {
  router.add("POST", "/v1/signaling/ping", [&ctx](const httplib::Request& req, httplib::Response& res,
                                                  const RouteParams&) {
    auto body = parse_body(req);
    if (!body) return send_v1_error(res, body.error());
    auto target = target_field(*body, ctx.core.book);
    if (!target) return send_v1_error(res, target.error());
    std::string text = "ping";
    if (auto it = body->find("text"); it != body->end()) {
      if (!it->is_string() || it->get<std::string>().size() > kMaxPingText)
        return send_v1_error(res, 400, "bad_request", "\"text\" must be a string of at most 1024 bytes");
      text = it->get<std::string>();
    }
    const auto key = target->self ? ctx.core.identity->public_key() : target->address.key;
    const auto wait = timeout_field(*body, kDefaultPingWaitMs, kMaxPingWaitMs);
    auto* node = ctx.core.signaling;
    auto r = wait_on_loop<json>(
        ctx, res,
        [node, key, wait, text](loop::Promise<json> promise) {
          auto* s = node ? node->signaling() : nullptr;
          if (!s) return (void)promise.resolve(Error{"unavailable", "signaling is off (signaling.mqtt.brokers is empty)"});
          const auto started = std::chrono::steady_clock::now();
          s->request(key, "ping", signaling::Payload(text.begin(), text.end()), wait,
                     [promise, started, text, key](Result<signaling::Incoming> in) {
                       if (!in) return (void)promise.resolve(in.error());
                       const auto& m = in->message;
                       if (m.type != "pong" || std::string(m.payload.begin(), m.payload.end()) != text)
                         return (void)promise.resolve(
                             Error{"unreachable", "the peer answered \"" + m.type + "\", not the pong asked for"});
                       const double ms =
                           std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
                       promise.resolve(json{{"peer_id", peer::peer_id_of(key)},
                                            {"key", proto::peer::key_to_text(key)},
                                            {"rtt_ms", ms},
                                            {"broker", in->broker},
                                            {"text", text}});
                     });
        },
        wait + std::chrono::milliseconds(1000));
    if (!r) return;
    if (!*r) return send_v1_error(res, r->error());
    send_ok(res, **r);
  });
}

}  // namespace p2pd::rpc
