#include "rpc/event_views.hpp"

namespace p2pd::rpc {

nlohmann::json event_json(const observe::Event& e) {
  return {{"seq", e.seq}, {"at_ms", e.at_ms}, {"type", e.type}, {"data", e.data}};
}

nlohmann::json event_batch_json(const observe::EventBatch& batch) {
  auto events = nlohmann::json::array();
  for (const auto& e : batch.events) events.push_back(event_json(e));
  return {{"events", std::move(events)}, {"missed", batch.missed}, {"last_seq", batch.last_seq},
          {"closed", batch.closed}};
}

std::string sse_blocks(const observe::EventBatch& batch) {
  std::string out;
  if (batch.missed > 0) out += "event: missed\ndata: " + nlohmann::json{{"missed", batch.missed}}.dump() + "\n\n";
  for (const auto& e : batch.events) {
    // dump() without indentation never contains a newline, so one data: line suffices.
    out += "id: " + std::to_string(e.seq) + "\nevent: " + e.type + "\ndata: " + event_json(e).dump() + "\n\n";
  }
  return out;
}

std::string sse_keep_alive() { return ": keep-alive\n\n"; }

std::string sse_error(const std::string& message) {
  return "event: error\ndata: " + nlohmann::json{{"message", message}}.dump() + "\n\n";
}

}  // namespace p2pd::rpc
