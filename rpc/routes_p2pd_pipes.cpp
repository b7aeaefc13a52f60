// P2PD's pipe routes on any pipe by name (docs/API.md, "P2PD-compatible routes"):
// /send, /recv, /binary (GET and POST), /sub (GET and DELETE), /close. P2PD's response
// shapes, with its numeric error codes in {"error":N,"msg"} and a meaningful HTTP status.
#include <string>
#include <vector>

#include "core/pipe/pipe_manager.hpp"
#include "rpc/p2pd_paths.hpp"
#include "rpc/pipe_pull.hpp"
#include "rpc/pipe_views.hpp"
#include "rpc/responses.hpp"
#include "rpc/routes.hpp"

namespace p2pd::rpc {

namespace {

using nlohmann::json;

Error no_pipes() { return Error{"unavailable", "pipes are not in this process"}; }

// P2PD's code for an error: unknown names and bad input are 5, reserved names 10, the
// rest the route's own code (8 for sends, 6 for receives, 9 for subscriptions).
void send_compat_error(httplib::Response& res, const Error& e, int route_code) {
  int code = route_code;
  if (e.code == "reserved_name") code = p2pd_code::reserved_name;
  else if (e.code == "not_found" || e.code == "bad_request") code = p2pd_code::no_address;
  send_p2pd_error(res, http_status_for(e.code), code, e.message);
}

json ip_port(const net::Endpoint& ep) { return json::array({ep.address.to_string(), ep.port}); }

json sent_json(const std::string& name, std::size_t n) { return {{"name", name}, {"con_name", name}, {"sent", n}}; }

Result<std::size_t> send_on_loop(ApiContext& ctx, const std::string& name, std::vector<std::uint8_t> data) {
  auto* pipes = ctx.core.pipes;
  return ctx.on_loop([pipes, name, data = std::move(data)]() -> Result<std::size_t> {
    if (!pipes) return no_pipes();
    auto pipe = pipes->get(name);
    if (!pipe) return pipe.error();
    return (*pipe)->send(data);
  });
}

// /recv and /binary: the message of /name/<sub> (default "all") within /timeout/<s>.
std::optional<Result<pipe::MessagePtr>> receive(ApiContext& ctx, httplib::Response& res, const std::string& name,
                                                const RouteParams& p, std::string& sub) {
  auto options = parse_p2pd_options(p.rest, {"name", "timeout"});
  if (!options) return Result<pipe::MessagePtr>(options.error());
  sub = options->name.value_or(pipe::kDefaultSub);
  auto r = pull_message(ctx, res, name, sub, options->timeout_ms.value_or(kP2pdDefaultTimeoutMs));
  if (!r) {  // refused as busy: P2PD's body, same status and Retry-After
    send_p2pd_error(res, 503, p2pd_code::nothing_received, "too many requests are waiting; try again");
    return std::nullopt;
  }
  if (!*r && r->error().code == "timeout")
    return Result<pipe::MessagePtr>(Error{"timeout", "recv buffer " + sub + " empty: " + r->error().message});
  return r;
}

void send_raw(httplib::Response& res, const pipe::Message& m) {
  res.status = 200;
  res.set_header("X-P2PD-From", m.from.to_string());
  res.set_header("X-P2PD-Seq", std::to_string(m.seq));
  res.set_content(std::string(m.data.begin(), m.data.end()), "application/octet-stream");
}

}  // namespace

void add_p2pd_pipe_routes(Router& router, ApiContext& ctx) {
  // The text may hold unencoded slashes: every segment after <c> is joined back.
  router.add("GET", "/send/:c/*", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
    const std::string name = p["c"];
    std::string text;
    for (const auto& segment : p.rest) text += (text.empty() ? "" : "/") + segment;
    if (text.empty())
      return send_p2pd_error(res, 400, p2pd_code::send_failed, "nothing to send: use /send/<c>/<url-encoded text>");
    auto r = send_on_loop(ctx, name, std::vector<std::uint8_t>(text.begin(), text.end()));
    if (!r) return send_compat_error(res, r.error(), p2pd_code::send_failed);
    send_ok(res, sent_json(name, *r));
  });

  router.add("POST", "/binary/:c", [&ctx](const httplib::Request& req, httplib::Response& res, const RouteParams& p) {
    const std::string name = p["c"];
    auto r = send_on_loop(ctx, name, std::vector<std::uint8_t>(req.body.begin(), req.body.end()));
    if (!r) return send_compat_error(res, r.error(), p2pd_code::send_failed);
    send_ok(res, sent_json(name, *r));
  });

  // /recv answers JSON, GET /binary the raw bytes.
  for (bool raw : {false, true}) {
    router.add("GET", raw ? "/binary/:c/*" : "/recv/:c/*",
               [&ctx, raw](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
                 const std::string name = p["c"];
                 std::string sub;
                 auto r = receive(ctx, res, name, p, sub);
                 if (!r) return;
                 if (!*r) return send_compat_error(res, r->error(), p2pd_code::nothing_received);
                 const pipe::Message& m = ***r;
                 if (raw) return send_raw(res, m);
                 json body = {{"con_name", name}, {"name", name}, {"sub", sub}, {"client_tup", ip_port(m.from)},
                              {"data", std::string(m.data.begin(), m.data.end())}};
                 if (!is_utf8(m.data)) body["data_b64"] = to_base64(m.data);  // "data" has U+FFFD for non-UTF-8
                 send_ok(res, std::move(body));
               });
  }

  router.add("GET", "/sub/:c/*", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
    const std::string name = p["c"];
    auto options = parse_p2pd_options(p.rest, {"name", "msg_p", "addr_p"});
    if (!options) return send_compat_error(res, options.error(), p2pd_code::sub_exists);
    if (!options->name)
      return send_p2pd_error(res, 400, p2pd_code::no_address, "a subscription needs /name/<sub>");
    pipe::SubscriptionSpec spec;
    spec.id = *options->name;
    spec.filter.match = options->msg_p.value_or("");
    spec.filter.from = options->addr_p.value_or("");
    auto r = subscribe_on_loop(ctx, name, std::move(spec));
    if (!r) return send_compat_error(res, r.error(), p2pd_code::sub_exists);
    send_ok(res, {{"name", name}, {"con_name", name}, {"sub_name", *options->name}, {"sub", *r}});
  });

  // "all" removes every subscription but the default one.
  router.add("DELETE", "/sub/:c/*", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
    const std::string name = p["c"];
    auto options = parse_p2pd_options(p.rest, {"name"});
    if (!options) return send_compat_error(res, options.error(), p2pd_code::no_address);
    if (!options->name)
      return send_p2pd_error(res, 400, p2pd_code::no_address, "say which subscription: /name/<sub> or /name/all");
    auto* pipes = ctx.core.pipes;
    auto r = ctx.on_loop([pipes, name, sub = *options->name]() -> Result<bool> {
      if (!pipes) return no_pipes();
      auto pipe = pipes->get(name);
      if (!pipe) return pipe.error();
      if (sub == pipe::kDefaultSub) {
        (*pipe)->unsubscribe_all();
        return true;
      }
      if (auto st = (*pipe)->unsubscribe(sub); !st) return st.error();
      return true;
    });
    if (!r) return send_compat_error(res, r.error(), p2pd_code::no_address);
    send_ok(res, {{"name", name}, {"con_name", name}, {"sub_name", *options->name}, {"unsub", *options->name}});
  });

  router.add("GET", "/close/:c", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
    const std::string name = p["c"];
    auto* pipes = ctx.core.pipes;
    auto r = ctx.on_loop([pipes, name]() -> Result<bool> {
      if (!pipes) return no_pipes();
      if (auto st = pipes->close(name, "closed by /close"); !st) return st.error();
      return true;
    });
    if (!r) return send_compat_error(res, r.error(), p2pd_code::no_address);
    send_ok(res, {{"closed", name}});
  });
}

}  // namespace p2pd::rpc
