// /v1/peers: the address book (docs/API.md, "Address book"). The book is thread-safe and
// its writes block on the disk, so these routes call it directly on the HTTP thread and
// never through the bridge; only a refresh's fetch from the signaling brokers runs on
// the loop (wait_on_loop), and its result is written here.
#include <chrono>
#include <string>

#include "core/peer/address_json.hpp"
#include "rpc/json_body.hpp"
#include "rpc/responses.hpp"
#include "rpc/routes.hpp"
#include "rpc/wait_on_loop.hpp"

namespace p2pd::rpc {

namespace {

using nlohmann::json;

constexpr std::uint64_t kDefaultRefreshWaitMs = 5000;
constexpr std::uint64_t kMaxRefreshWaitMs = 60000;

json entry_json(const peer::BookEntry& e) {
  json j = peer::address_parts_json(e.parsed);
  j["name"] = e.name;
  j["address"] = e.address;
  j["updated_at"] = e.updated_at;
  return j;
}

// The address from a PUT body: {"address": "..."} or the address as plain text.
Result<std::string> address_of(const httplib::Request& req) {
  std::string_view body(req.body);
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r' || body.back() == ' ')) body.remove_suffix(1);
  if (body.empty()) return Error{"bad_request", "the body must be {\"address\": \"p2pd1_...\"} or the address itself"};
  if (body.front() != '{') return std::string(body);
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{"bad_request", "the body is not a JSON object"};
  for (const auto& [key, value] : j.items())
    if (key != "address") return Error{"bad_request", "unknown key \"" + key + "\""};
  auto it = j.find("address");
  if (it == j.end() || !it->is_string()) return Error{"bad_request", "\"address\" must be a string"};
  return it->get<std::string>();
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool have_book(ApiContext& ctx, httplib::Response& res) {
  if (ctx.core.book) return true;
  send_v1_error(res, 503, "unavailable", "the address book is not in this process");
  return false;
}

}  // namespace

void add_book_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/v1/peers", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams&) {
    if (!have_book(ctx, res)) return;
    json peers = json::array();
    for (const auto& e : ctx.core.book->list()) peers.push_back(entry_json(e));
    send_ok(res, {{"peers", std::move(peers)}});
  });

  router.add("GET", "/v1/peers/:name", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
    if (!have_book(ctx, res)) return;
    auto e = ctx.core.book->get(p["name"]);
    if (!e) return send_v1_error(res, 404, "not_found", "no peer named \"" + p["name"] + "\" in the address book");
    send_ok(res, {{"peer", entry_json(*e)}});
  });

  router.add("PUT", "/v1/peers/:name", [&ctx](const httplib::Request& req, httplib::Response& res, const RouteParams& p) {
    if (!have_book(ctx, res)) return;
    auto address = address_of(req);
    if (!address) return send_v1_error(res, address.error());
    auto created = ctx.core.book->put(p["name"], *address, unix_now());
    if (!created) return send_v1_error(res, created.error());
    auto e = ctx.core.book->get(p["name"]);
    json body{{"error", 0}, {"created", *created}, {"peer", e ? entry_json(*e) : json(nullptr)}};
    send_json(res, *created ? 201 : 200, body);
  });

  // The newest address the peer's key published on our brokers replaces the book's.
  router.add("POST", "/v1/peers/:name/refresh",
             [&ctx](const httplib::Request& req, httplib::Response& res, const RouteParams& p) {
    if (!have_book(ctx, res)) return;
    auto body = parse_body(req);
    if (!body) return send_v1_error(res, body.error());
    auto e = ctx.core.book->get(p["name"]);
    if (!e) return send_v1_error(res, 404, "not_found", "no peer named \"" + p["name"] + "\" in the address book");
    const auto wait = timeout_field(*body, kDefaultRefreshWaitMs, kMaxRefreshWaitMs);
    auto* node = ctx.core.signaling;
    const auto key = e->parsed.key;
    auto fetched = wait_on_loop<std::string>(
        ctx, res,
        [node, key, wait](loop::Promise<std::string> promise) {
          auto* s = node ? node->signaling() : nullptr;
          if (!s) return (void)promise.resolve(Error{"unavailable", "signaling is off (signaling.mqtt.brokers is empty)"});
          s->fetch_address(key, wait, [promise](Result<std::string> r) { promise.resolve(std::move(r)); });
        },
        wait + std::chrono::milliseconds(1000));
    if (!fetched) return;
    if (!*fetched) {
      Error err = fetched->error();
      if (err.code == "not_found")
        err.message = "no address record of " + peer::peer_id_of(key) + " on the connected brokers";
      return send_v1_error(res, err);
    }
    // The entry may have been removed or given to another peer while we waited.
    auto done = ctx.core.book->replace_address(p["name"], key, **fetched, unix_now());
    if (!done) return send_v1_error(res, done.error());
    send_ok(res, {{"changed", done->changed}, {"peer", entry_json(done->entry)}});
  });

  router.add("DELETE", "/v1/peers/:name", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
    if (!have_book(ctx, res)) return;
    auto st = ctx.core.book->remove(p["name"]);
    if (!st) return send_v1_error(res, st.error());
    send_ok(res, {{"removed", p["name"]}});
  });
}

}  // namespace p2pd::rpc
