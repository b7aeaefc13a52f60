// /v1/pipes: open (host/port/proto), list, inspect, close, send, recv (long poll) and
// subscriptions (docs/API.md, "Pipes"). Opening and receiving wait on the loop under
// the long-poll bound; the rest is one bridge call each.
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/pipe/pipe_manager.hpp"
#include "rpc/peer_pipe_open.hpp"
#include "rpc/pipe_pull.hpp"
#include "rpc/pipe_views.hpp"
#include "rpc/json_body.hpp"
#include "rpc/query_params.hpp"
#include "rpc/wait_on_loop.hpp"
#include "rpc/routes.hpp"

namespace p2pd::rpc {

namespace {

using nlohmann::json;
using pipe::PipeManager;

constexpr std::uint64_t kDefaultRecvMs = 2000;
constexpr std::uint64_t kMaxRecvMs = 300000;
constexpr std::uint64_t kResolveSlackMs = 5000;  // name lookups come on top of the connect timeout

Error no_pipes() { return Error{"unavailable", "pipes are not in this process"}; }

Result<pipe::OpenSpec> open_spec(const json& body) {
  pipe::OpenSpec s;
  bool have_name = false, have_host = false, have_port = false;
  for (const auto& [key, value] : body.items()) {
    if (key == "name" || key == "host" || key == "interface" || key == "bind" || key == "family" ||
        key == "framing" || key == "proto") {
      if (!value.is_string()) return Error{"bad_request", "\"" + key + "\" must be a string"};
    }
    if (key == "name") {
      s.name = value.get<std::string>();
      have_name = true;
    } else if (key == "host") {
      s.host = value.get<std::string>();
      have_host = !s.host.empty();
    } else if (key == "port") {
      if (!value.is_number_unsigned() || value.get<std::uint64_t>() < 1 || value.get<std::uint64_t>() > 65535)
        return Error{"bad_request", "\"port\" must be a number in 1-65535"};
      s.port = value.get<std::uint16_t>();
      have_port = true;
    } else if (key == "proto") {
      if (value == "tcp") s.tcp = true;
      else if (value == "udp") s.tcp = false;
      else return Error{"bad_request", "\"proto\" must be \"tcp\" or \"udp\""};
    } else if (key == "interface") {
      s.interface = value.get<std::string>();
    } else if (key == "bind") {
      s.bind = value.get<std::string>();
    } else if (key == "family") {
      auto f = value.get<std::string>();
      if (f == "v4" || f == "ipv4") s.family = "v4";
      else if (f == "v6" || f == "ipv6") s.family = "v6";
      else return Error{"bad_request", "\"family\" must be \"ipv4\" or \"ipv6\""};
    } else if (key == "framing") {
      auto f = pipe::parse_framing(value.get<std::string>());
      if (!f) return Error{"bad_request", "\"framing\" must be \"raw\", \"line\" or \"len16\""};
      s.framing = *f;
    } else if (key == "answer_test_string") {
      if (!value.is_boolean()) return Error{"bad_request", "\"answer_test_string\" must be true or false"};
      s.answer_test_string = value.get<bool>();
    } else {
      return Error{"bad_request", "unknown key \"" + key + "\""};
    }
  }
  if (!have_name) return Error{"bad_request", "\"name\" is required"};
  if (!have_host || !have_port) return Error{"bad_request", "\"host\" and \"port\" are required (or \"to\" for a peer)"};
  if (!s.tcp && s.framing != pipe::Framing::raw)
    return Error{"bad_request", "UDP pipes carry datagrams: \"framing\" applies to TCP only"};
  return s;
}

Result<std::optional<net::Endpoint>> destination(const std::string& text) {
  if (text.empty()) return std::optional<net::Endpoint>{};
  auto ep = net::Endpoint::parse(text);
  if (!ep) return Error{"bad_request", "\"to\" is not an ip:port endpoint: \"" + text + "\""};
  return std::optional<net::Endpoint>(*ep);
}

struct SendRequest {
  std::vector<std::uint8_t> data;
  std::optional<net::Endpoint> to;
};

bool is_json(const httplib::Request& req) {
  auto type = req.get_header_value("Content-Type");
  return type.rfind("application/json", 0) == 0;
}

// JSON {"text"} or {"data_b64"} (plus "to"), or else the raw body (with ?to=).
Result<SendRequest> send_request(const httplib::Request& req) {
  SendRequest r;
  std::string to = req.get_param_value("to");
  if (is_json(req)) {
    auto body = parse_body(req);
    if (!body) return body.error();
    bool have_data = false;
    for (const auto& [key, value] : body->items()) {
      if (!value.is_string()) return Error{"bad_request", "\"" + key + "\" must be a string"};
      const auto& text = value.get_ref<const std::string&>();
      if (key == "text") {
        r.data.assign(text.begin(), text.end());
      } else if (key == "data_b64") {
        auto bytes = from_base64(text);
        if (!bytes) return Error{"bad_request", "\"data_b64\" is not base64"};
        r.data.assign(bytes->begin(), bytes->end());
      } else if (key == "to") {
        to = text;
        continue;
      } else {
        return Error{"bad_request", "unknown key \"" + key + "\""};
      }
      if (have_data) return Error{"bad_request", "give \"text\" or \"data_b64\", not both"};
      have_data = true;
    }
    if (!have_data) return Error{"bad_request", "the JSON body needs \"text\" or \"data_b64\""};
  } else {
    r.data.assign(req.body.begin(), req.body.end());
  }
  auto dest = destination(to);
  if (!dest) return dest.error();
  r.to = *dest;
  return r;
}

Result<std::uint64_t> recv_timeout(const httplib::Request& req) {
  return query_number(req, "timeout_ms", kDefaultRecvMs, kMaxRecvMs, /*clip=*/true);
}

Result<pipe::SubscriptionSpec> sub_spec(const json& body) {
  pipe::SubscriptionSpec s;
  pipe::QueueBounds bounds;
  bool bounded = false;
  for (const auto& [key, value] : body.items()) {
    if (key == "id" || key == "match" || key == "prefix" || key == "from" || key == "overflow") {
      if (!value.is_string()) return Error{"bad_request", "\"" + key + "\" must be a string"};
      const auto& text = value.get_ref<const std::string&>();
      if (key == "id") s.id = text;
      else if (key == "match") s.filter.match = text;
      else if (key == "prefix") s.filter.prefix = text;
      else if (key == "from") s.filter.from = text;
      else if (text == "block") s.overflow = pipe::Overflow::block;
      else if (text == "drop_oldest") s.overflow = pipe::Overflow::drop_oldest;
      else return Error{"bad_request", "\"overflow\" must be \"block\" or \"drop_oldest\""};
    } else if (key == "max_messages" || key == "max_bytes") {
      if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0)
        return Error{"bad_request", "\"" + key + "\" must be a positive number"};
      (key == "max_messages" ? bounds.max_messages : bounds.max_bytes) = value.get<std::size_t>();
      bounded = true;
    } else {
      return Error{"bad_request", "unknown key \"" + key + "\""};
    }
  }
  if (bounded) s.bounds = bounds;
  return s;
}

void send_message(httplib::Response& res, const httplib::Request& req, const std::string& name, const std::string& sub,
                  const pipe::Message& m) {
  if (req.get_header_value("Accept").find("application/octet-stream") != std::string::npos) {
    res.status = 200;
    res.set_header("X-P2PD-From", m.from.to_string());
    res.set_header("X-P2PD-Seq", std::to_string(m.seq));
    res.set_content(std::string(m.data.begin(), m.data.end()), "application/octet-stream");
    return;
  }
  json body = message_json(m);
  body["pipe"] = name;
  body["sub"] = sub;
  send_ok(res, std::move(body));
}

}  // namespace

void add_pipe_routes(Router& router, ApiContext& ctx) {
  router.add("POST", "/v1/pipes", [&ctx](const httplib::Request& req, httplib::Response& res, const RouteParams&) {
    auto body = parse_body(req);
    if (!body) return send_v1_error(res, body.error());
    if (body->contains("to")) return open_peer_pipe(ctx, *body, res);
    auto spec = open_spec(*body);
    if (!spec) return send_v1_error(res, spec.error());
    auto* pipes = ctx.core.pipes;
    const std::uint64_t wait_ms = (pipes ? pipes->limits().connect_timeout_ms : 0) + kResolveSlackMs;
    auto r = wait_on_loop<pipe::PipeInfo>(
        ctx, res,
        [pipes, spec = *spec](loop::Promise<pipe::PipeInfo> p) {
          if (!pipes) return (void)p.resolve(no_pipes());
          pipes->open(spec, [p](Result<pipe::PipeInfo> done) { p.resolve(std::move(done)); });
        },
        std::chrono::milliseconds(wait_ms));
    if (!r) return;
    if (!*r) return send_v1_error(res, r->error());
    send_json(res, 201, {{"error", 0}, {"pipe", pipe_json(**r)}});
  });

  router.add("GET", "/v1/pipes", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams&) {
    auto* pipes = ctx.core.pipes;
    auto r = ctx.on_loop([pipes]() -> Result<json> {
      if (!pipes) return no_pipes();
      json list = json::array();
      for (const auto& info : pipes->list()) list.push_back(pipe_json(info));
      return list;
    });
    if (!r) return send_v1_error(res, r.error());
    send_ok(res, {{"pipes", *r}});
  });

  router.add("GET", "/v1/pipes/:name", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
    auto* pipes = ctx.core.pipes;
    auto r = ctx.on_loop([pipes, name = p["name"]]() -> Result<json> {
      if (!pipes) return no_pipes();
      auto pipe = pipes->get(name);
      if (!pipe) return pipe.error();
      return pipe_json((*pipe)->info());
    });
    if (!r) return send_v1_error(res, r.error());
    send_ok(res, {{"pipe", *r}});
  });

  router.add("DELETE", "/v1/pipes/:name", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
    auto* pipes = ctx.core.pipes;
    const std::string name = p["name"];
    auto r = ctx.on_loop([pipes, name]() -> Result<bool> {
      if (!pipes) return no_pipes();
      if (auto st = pipes->close(name); !st) return st.error();
      return true;
    });
    if (!r) return send_v1_error(res, r.error());
    send_ok(res, {{"closed", name}});
  });

  router.add("POST", "/v1/pipes/:name/send",
             [&ctx](const httplib::Request& req, httplib::Response& res, const RouteParams& p) {
               auto request = send_request(req);
               if (!request) return send_v1_error(res, request.error());
               auto* pipes = ctx.core.pipes;
               auto r = ctx.on_loop([pipes, name = p["name"], request = std::move(*request)]() -> Result<std::size_t> {
                 if (!pipes) return no_pipes();
                 auto pipe = pipes->get(name);
                 if (!pipe) return pipe.error();
                 return (*pipe)->send(request.data, request.to);
               });
               if (!r) return send_v1_error(res, r.error());
               send_ok(res, {{"pipe", p["name"]}, {"sent", *r}});
             });

  router.add("GET", "/v1/pipes/:name/recv",
             [&ctx](const httplib::Request& req, httplib::Response& res, const RouteParams& p) {
               auto timeout = recv_timeout(req);
               if (!timeout) return send_v1_error(res, timeout.error());
               const std::string name = p["name"];
               const std::string sub = req.has_param("sub") ? req.get_param_value("sub") : pipe::kDefaultSub;
               auto r = pull_message(ctx, res, name, sub, *timeout);
               if (!r) return;
               if (!*r) return send_v1_error(res, r->error());
               send_message(res, req, name, sub, ***r);
             });

  router.add("POST", "/v1/pipes/:name/subs",
             [&ctx](const httplib::Request& req, httplib::Response& res, const RouteParams& p) {
               auto body = parse_body(req);
               if (!body) return send_v1_error(res, body.error());
               auto spec = sub_spec(*body);
               if (!spec) return send_v1_error(res, spec.error());
               auto r = subscribe_on_loop(ctx, p["name"], std::move(*spec));
               if (!r) return send_v1_error(res, r.error());
               send_json(res, 201, {{"error", 0}, {"pipe", p["name"]}, {"sub", *r}});
             });

  router.add("DELETE", "/v1/pipes/:name/subs/:id",
             [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
               auto* pipes = ctx.core.pipes;
               auto r = ctx.on_loop([pipes, name = p["name"], id = p["id"]]() -> Result<bool> {
                 if (!pipes) return no_pipes();
                 auto pipe = pipes->get(name);
                 if (!pipe) return pipe.error();
                 if (auto st = (*pipe)->unsubscribe(id); !st) return st.error();
                 return true;
               });
               if (!r) return send_v1_error(res, r.error());
               send_ok(res, {{"pipe", p["name"]}, {"unsubscribed", p["id"]}});
             });
}

}  // namespace p2pd::rpc
