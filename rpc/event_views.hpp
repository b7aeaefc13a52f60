#pragma once
// How events look on the wire (docs/API.md, "Events"): one JSON object per event, a
// batch for the long poll, and the text/event-stream blocks for SSE readers.
#include <string>

#include <nlohmann/json.hpp>

#include "core/observe/events.hpp"

namespace p2pd::rpc {

nlohmann::json event_json(const observe::Event& e);  // {"seq","at_ms","type","data"}
// {"events":[...],"missed","last_seq","closed"}
nlohmann::json event_batch_json(const observe::EventBatch& batch);

// "id: N\nevent: TYPE\ndata: {json}\n\n" per event, preceded by an "event: missed"
// block when the ring lost some.
std::string sse_blocks(const observe::EventBatch& batch);
std::string sse_keep_alive();                         // ": keep-alive\n\n"
std::string sse_error(const std::string& message);    // "event: error\ndata: {...}\n\n"

}  // namespace p2pd::rpc
