#pragma once
// Helpers the /v1 route files share: JSON bodies and calls that wait on the loop under
// the long-poll bound.
#include <httplib.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/result.hpp"
#include "rpc/api_context.hpp"
#include "rpc/responses.hpp"

namespace p2pd::rpc {

// The body as a JSON object ({} when empty); "bad_request" otherwise.
inline Result<nlohmann::json> parse_body(const httplib::Request& req) {
  if (req.body.empty()) return nlohmann::json::object();
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return Error{"bad_request", "the body must be a JSON object"};
  return body;
}

// Runs `start` on the loop with a promise, holding a long-poll ticket meanwhile. Answers
// 503 "busy" itself (and returns nullopt) when too many requests wait already.
template <class T>
std::optional<Result<T>> wait_on_loop(ApiContext& ctx, httplib::Response& res,
                                      std::function<void(loop::Promise<T>)> start, std::chrono::milliseconds wait) {
  auto ticket = ctx.long_polls.try_enter();
  if (!ticket) {
    ctx.counters.busy.inc();
    res.set_header("Retry-After", "1");
    send_v1_error(res, 503, "busy", "too many requests are waiting; try again");
    return std::nullopt;
  }
  auto r = ctx.bridge.call_deferred<T>(std::move(start), wait);
  if (!r.ok() && r.error().code == "loop_busy") ctx.counters.loop_busy.inc();
  return r;
}

}  // namespace p2pd::rpc
