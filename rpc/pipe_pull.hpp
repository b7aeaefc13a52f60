#pragma once
// Taking the next message of a pipe's subscription for a REST caller: at once when
// wait_ms is 0, else as a long poll under the long-poll bound (rpc/wait_on_loop.hpp).
// Shared by /v1/pipes/<name>/recv and P2PD's /recv and /binary.
#include <httplib.h>

#include <cstdint>
#include <optional>
#include <string>

#include "core/pipe/message.hpp"
#include "rpc/api_context.hpp"

namespace p2pd::rpc {

// nullopt: refused as busy (503 with a /v1 body is already in `res`). Errors: the
// pipe's ("not_found": no pipe or subscription, "closed"), "timeout" (nothing within
// wait_ms; a message arriving later stays queued), "loop_busy", "unavailable".
std::optional<Result<pipe::MessagePtr>> pull_message(ApiContext& ctx, httplib::Response& res, const std::string& name,
                                                     const std::string& sub, std::uint64_t wait_ms);

}  // namespace p2pd::rpc
