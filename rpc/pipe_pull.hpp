#pragma once
// Pipe calls shared by the /v1/pipes routes and P2PD's (/recv, /binary, /sub): taking
// the next message of a subscription (at once when wait_ms is 0, else as a long poll
// under the long-poll bound, rpc/wait_on_loop.hpp), and subscribing.
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "core/pipe/message.hpp"
#include "core/pipe/subscription.hpp"
#include "rpc/api_context.hpp"

namespace p2pd::rpc {

// nullopt: refused as busy (503 with a /v1 body is already in `res`). Errors: the
// pipe's ("not_found": no pipe or subscription, "closed"), "timeout" (nothing within
// wait_ms; a message arriving later stays queued), "loop_busy", "unavailable".
std::optional<Result<pipe::MessagePtr>> pull_message(ApiContext& ctx, httplib::Response& res, const std::string& name,
                                                     const std::string& sub, std::uint64_t wait_ms);

// Adds the subscription on the loop; its SUB view (rpc/pipe_views.hpp). Errors: the
// pipe's ("not_found", "conflict", "reserved_name", "bad_request", "too_many").
Result<nlohmann::json> subscribe_on_loop(ApiContext& ctx, const std::string& name, pipe::SubscriptionSpec spec);

}  // namespace p2pd::rpc
