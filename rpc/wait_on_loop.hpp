#pragma once
// For routes that wait for loop work finishing later (a server's answer, a peer's
// handshake): runs `start` on the loop with a promise, holding a long-poll ticket
// meanwhile so that waiting requests stay bounded. nullopt: refused with 503 "busy"
// (already answered).
#include <chrono>
#include <functional>
#include <optional>

#include "core/loop/bridge.hpp"
#include "rpc/api_context.hpp"
#include "rpc/responses.hpp"

namespace p2pd::rpc {

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
