// GET /v1/events: the daemon's event stream (docs/API.md, "Events"), read from the
// loop's EventBus through the bridge. Two styles: a JSON long poll (?after=N waits up
// to timeout_ms for events newer than N) and, with "Accept: text/event-stream", a
// server-sent-events stream that holds one long-poll ticket while it is open.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "rpc/client_connection.hpp"
#include "rpc/event_views.hpp"
#include "rpc/query_params.hpp"
#include "rpc/responses.hpp"
#include "rpc/routes.hpp"
#include "rpc/wait_on_loop.hpp"

namespace p2pd::rpc {

namespace {

using observe::EventBatch;
using observe::EventBus;

constexpr std::uint64_t kDefaultWaitMs = 30000;
constexpr std::uint64_t kMaxWaitMs = 300000;
constexpr std::uint64_t kDefaultMax = 100;
constexpr std::uint64_t kMaxMax = 1000;
constexpr std::chrono::milliseconds kKeepAlive{15000};
// How often a quiet stream checks that its client is still there
// (rpc/client_connection.hpp), so a vanished reader frees its ticket and thread soon.
constexpr std::chrono::milliseconds kAliveCheck{1000};

Error no_events() { return Error{"unavailable", "the event stream is not in this process"}; }

struct EventQuery {
  std::uint64_t after = 0;
  std::uint64_t wait_ms = kDefaultWaitMs;
  std::size_t max = kDefaultMax;
};

Result<EventQuery> event_query(const httplib::Request& req) {
  EventQuery q;
  // An SSE client that reconnects names the last id it saw; ?after wins when both come.
  std::uint64_t resume = 0;
  if (req.has_header("Last-Event-ID")) {
    auto id = parse_number(req.get_header_value("Last-Event-ID"), "Last-Event-ID", UINT64_MAX / 10);
    if (!id) return id.error();
    resume = *id;
  }
  auto after = query_number(req, "after", resume, UINT64_MAX / 10);
  if (!after) return after.error();
  auto wait = query_number(req, "timeout_ms", kDefaultWaitMs, kMaxWaitMs, /*clip=*/true);
  if (!wait) return wait.error();
  auto max = query_number(req, "max", kDefaultMax, kMaxMax);
  if (!max) return max.error();
  if (*max == 0) return Error{"bad_request", "max must be a number in 1-" + std::to_string(kMaxMax)};
  q.after = *after;
  q.wait_ms = *wait;
  q.max = static_cast<std::size_t>(*max);
  return q;
}

Result<EventBatch> read_events(ApiContext& ctx, std::uint64_t after, std::size_t max) {
  auto* bus = ctx.core.events;
  return ctx.on_loop([bus, after, max]() -> Result<EventBatch> {
    if (!bus) return no_events();
    return bus->read(after, max);
  });
}

// Nothing to wait for: events, a gap, the end, or a cursor from another daemon run
// (after > last_seq) that only a fresh read of last_seq can correct.
bool answer_now(const EventBatch& b, std::uint64_t after) {
  return !b.events.empty() || b.missed > 0 || b.closed || after > b.last_seq;
}

// Waits on the loop until the bus has something newer than `after` (or closes).
// nullopt: refused as busy (already answered in `res`); a "timeout" error is normal.
std::optional<Result<bool>> wait_for_events(ApiContext& ctx, httplib::Response& res, std::uint64_t after,
                                            std::chrono::milliseconds wait) {
  auto* bus = ctx.core.events;
  return wait_on_loop<bool>(
      ctx, res,
      [bus, after](loop::Promise<bool> promise) {
        if (!bus) return (void)promise.resolve(no_events());
        bus->wait(after, observe::EventWaiter{[promise] { return promise.resolve(true); },
                                              [promise] { return promise.abandoned(); }});
      },
      wait);
}

// The same wait without a ticket of its own: an SSE stream holds one for its whole life.
Result<bool> wait_in_stream(ApiContext& ctx, std::uint64_t after, std::chrono::milliseconds wait) {
  auto* bus = ctx.core.events;
  auto r = ctx.bridge.call_deferred<bool>(
      [bus, after](loop::Promise<bool> promise) {
        if (!bus) return (void)promise.resolve(no_events());
        bus->wait(after, observe::EventWaiter{[promise] { return promise.resolve(true); },
                                              [promise] { return promise.abandoned(); }});
      },
      wait);
  if (!r.ok() && r.error().code == "loop_busy") ctx.counters.loop_busy.inc();
  return r;
}

void long_poll(ApiContext& ctx, const EventQuery& q, httplib::Response& res) {
  auto batch = read_events(ctx, q.after, q.max);
  if (!batch) return send_v1_error(res, batch.error());
  if (q.wait_ms == 0 || answer_now(*batch, q.after)) return send_ok(res, event_batch_json(*batch));
  auto woke = wait_for_events(ctx, res, q.after, std::chrono::milliseconds(q.wait_ms));
  if (!woke) return;
  if (!*woke && woke->error().code != "timeout") return send_v1_error(res, woke->error());
  batch = read_events(ctx, q.after, q.max);  // after a timeout: an empty batch with the current last_seq
  if (!batch) return send_v1_error(res, batch.error());
  send_ok(res, event_batch_json(*batch));
}

struct StreamState {
  StreamState(LongPollGate::Ticket t, std::uint64_t after, std::size_t max_)
      : ticket(std::move(t)), cursor(after), max(max_) {}
  LongPollGate::Ticket ticket;  // released when cpp-httplib drops the provider
  std::uint64_t cursor;
  std::size_t max;
  std::chrono::steady_clock::time_point wrote_at = std::chrono::steady_clock::now();
};

// One step of the SSE stream: write what is there, or wait a little (a keep-alive
// comment after 15 s of silence). False ends the stream (the client went away).
bool stream_step(ApiContext& ctx, StreamState& s, httplib::DataSink& sink) {
  auto write = [&sink, &s](const std::string& text) {
    s.wrote_at = std::chrono::steady_clock::now();
    return sink.write(text.data(), text.size());
  };
  auto batch = read_events(ctx, s.cursor, s.max);
  if (!batch) {
    bool ok = write(sse_error(batch.error().message));
    sink.done();
    return ok;
  }
  if (s.cursor > batch->last_seq) s.cursor = batch->last_seq;  // a cursor from an earlier daemon run
  if (!batch->events.empty() || batch->missed > 0) {
    if (!batch->events.empty()) s.cursor = batch->events.back().seq;
    else s.cursor += batch->missed;
    return write(sse_blocks(*batch));
  }
  if (batch->closed) {
    bool ok = write("event: closed\ndata: {}\n\n");
    sink.done();
    return ok;
  }
  auto woke = wait_in_stream(ctx, s.cursor, kAliveCheck);
  if (!woke && woke.error().code != "timeout") {
    bool ok = write(sse_error(woke.error().message));
    sink.done();
    return ok;
  }
  if (woke) return true;
  if (client_connection_closed() || !sink.is_writable()) return false;
  if (std::chrono::steady_clock::now() - s.wrote_at >= kKeepAlive) return write(sse_keep_alive());
  return true;
}

void open_stream(ApiContext& ctx, const EventQuery& q, httplib::Response& res) {
  auto ticket = ctx.long_polls.try_enter();
  if (!ticket) {
    ctx.counters.busy.inc();
    res.set_header("Retry-After", "1");
    return send_v1_error(res, 503, "busy", "too many requests are waiting; try again");
  }
  auto state = std::make_shared<StreamState>(std::move(ticket), q.after, q.max);
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider("text/event-stream", [&ctx, state](std::size_t, httplib::DataSink& sink) {
    return stream_step(ctx, *state, sink);
  });
}

bool wants_stream(const httplib::Request& req) {
  return req.get_header_value("Accept").find("text/event-stream") != std::string::npos;
}

}  // namespace

void add_event_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/v1/events", [&ctx](const httplib::Request& req, httplib::Response& res, const RouteParams&) {
    auto q = event_query(req);
    if (!q) return send_v1_error(res, q.error());
    if (wants_stream(req)) return open_stream(ctx, *q, res);
    long_poll(ctx, *q, res);
  });
}

}  // namespace p2pd::rpc
