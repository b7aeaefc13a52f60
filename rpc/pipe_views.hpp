#pragma once
// JSON views of pipes and their messages for the /v1/pipes routes (docs/API.md).
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>

#include "core/pipe/message.hpp"
#include "core/pipe/pipe.hpp"

namespace p2pd::rpc {

nlohmann::json pipe_json(const pipe::PipeInfo& info);
nlohmann::json subscription_json(const pipe::SubscriptionInfo& sub);

// One received message: sender, seq, arrival time, the bytes as base64 ("data_b64")
// and, when they are valid UTF-8, as "text" too.
nlohmann::json message_json(const pipe::Message& m);

std::string to_base64(std::span<const std::uint8_t> bytes);
std::optional<std::string> from_base64(const std::string& text);  // nullopt: not base64
bool is_utf8(std::span<const std::uint8_t> bytes);

}  // namespace p2pd::rpc
