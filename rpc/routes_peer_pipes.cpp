// Peer pipes: POST /v1/pipes {"name","to","path"?} and P2PD's GET /open/<c>/<to>[?path=] (docs/API.md,
// "Peer pipes"). Both dial (or reuse) the session to the peer, open a stream named after
// the pipe and wait for it under the long-poll bound.
#include <sys/socket.h>

#include <string>

#include "core/peer/peer_pipes.hpp"
#include "rpc/json_body.hpp"
#include "rpc/peer_pipe_open.hpp"
#include "rpc/peer_target.hpp"
#include "rpc/pipe_views.hpp"
#include "rpc/responses.hpp"
#include "rpc/routes.hpp"
#include "rpc/wait_on_loop.hpp"

namespace p2pd::rpc {
namespace {

using nlohmann::json;

constexpr std::uint64_t kDefaultOpenWaitMs = 15000;
constexpr std::uint64_t kMaxOpenWaitMs = 120000;

struct PeerOpenRequest {
  std::string name;
  peer::PeerTarget target;
  pipe::PipeOptions options;
};

std::optional<Result<pipe::PipeInfo>> open_and_wait(ApiContext& ctx, httplib::Response& res, PeerOpenRequest request,
                                                    std::chrono::milliseconds wait) {
  auto* peer_pipes = ctx.core.peer_pipes;
  return wait_on_loop<pipe::PipeInfo>(
      ctx, res,
      [peer_pipes, request = std::move(request)](loop::Promise<pipe::PipeInfo> promise) mutable {
        if (!peer_pipes) return (void)promise.resolve(Error{"unavailable", "peer pipes are not in this process"});
        peer_pipes->open(std::move(request.name), std::move(request.target), request.options,
                         [promise](Result<pipe::PipeInfo> r) { promise.resolve(std::move(r)); });
      },
      wait);
}

Result<PeerOpenRequest> open_request(const json& body, const peer::AddressBook* book) {
  PeerOpenRequest r;
  bool have_name = false;
  std::string to;
  std::string path;
  for (const auto& [key, value] : body.items()) {
    if (key == "name" || key == "to" || key == "framing" || key == "path") {
      if (!value.is_string()) return Error{"bad_request", "\"" + key + "\" must be a string"};
    }
    if (key == "name") {
      r.name = value.get<std::string>();
      have_name = true;
    } else if (key == "to") {
      to = value.get<std::string>();
    } else if (key == "path") {
      path = value.get<std::string>();
    } else if (key == "framing") {
      auto f = pipe::parse_framing(value.get<std::string>());
      if (!f) return Error{"bad_request", "\"framing\" must be \"raw\", \"line\" or \"len16\""};
      r.options.framing = *f;
    } else if (key == "answer_test_string") {
      if (!value.is_boolean()) return Error{"bad_request", "\"answer_test_string\" must be true or false"};
      r.options.answer_test_string = value.get<bool>();
    } else if (key != "timeout_ms") {
      return Error{"bad_request", "unknown key \"" + key + "\" (a peer pipe takes name, to, path, "
                                  "framing, answer_test_string, timeout_ms)"};
    }
  }
  if (!have_name) return Error{"bad_request", "\"name\" is required"};
  auto target = parse_peer_target(to, book);
  if (!target) return target.error();
  r.target = std::move(*target);
  auto forced = parse_forced_path(path);
  if (!forced) return forced.error();
  r.target.path = *forced;
  return r;
}

json ip_port(const std::optional<net::Endpoint>& ep) {
  if (!ep) return nullptr;
  return json::array({ep->address.to_string(), ep->port});
}

// P2PD's con_info for a pipe, plus what we know about the peer.
json con_info(const pipe::PipeInfo& info) {
  const json& peer = info.details;
  json nic_ips = json::array();
  if (info.local) nic_ips.push_back(info.local->address.to_string());
  const bool v6 = info.local && info.local->address.family == net::Family::v6;
  return {{"name", info.name},
          {"con_name", info.name},
          {"fd", nullptr},
          {"laddr", ip_port(info.local)},
          {"raddr", ip_port(info.remote)},
          {"route", {{"af", v6 ? AF_INET6 : AF_INET}, {"nic_ips", nic_ips}, {"ext_ips", json::array()}}},
          {"if", {{"name", nullptr}, {"offset", 0}}},
          {"strategy", peer.is_object() ? peer.value("strategy", "") : ""},
          {"path", peer.is_object() ? peer.value("path", "") : ""},
          {"peer", peer},
          {"pipe", pipe_json(info)}};
}

int p2pd_code_for(const Error& e) {
  if (e.code == "conflict") return p2pd_code::name_exists;
  if (e.code == "reserved_name") return p2pd_code::reserved_name;
  if (e.code == "bad_request" || e.code == "not_found") return p2pd_code::no_address;
  return p2pd_code::connect_failed;
}

}  // namespace

void open_peer_pipe(ApiContext& ctx, const json& body, httplib::Response& res) {
  auto request = open_request(body, ctx.core.book);
  if (!request) return send_v1_error(res, request.error());
  auto r = open_and_wait(ctx, res, std::move(*request), timeout_field(body, kDefaultOpenWaitMs, kMaxOpenWaitMs));
  if (!r) return;
  if (!*r) return send_v1_error(res, r->error());
  send_json(res, 201, {{"error", 0}, {"pipe", pipe_json(**r)}});
}

void add_peer_pipe_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/open/:name/:to", [&ctx](const httplib::Request& req, httplib::Response& res,
                                              const RouteParams& p) {
    json body{{"name", p["name"]}, {"to", p["to"]}};
    if (req.has_param("path")) body["path"] = req.get_param_value("path");
    auto request = open_request(body, ctx.core.book);
    if (!request) {
      const auto& e = request.error();
      return send_p2pd_error(res, http_status_for(e.code), p2pd_code_for(e), e.message);
    }
    auto r = open_and_wait(ctx, res, std::move(*request), std::chrono::milliseconds(kDefaultOpenWaitMs));
    if (!r) return;
    if (!*r) {
      const auto& e = r->error();
      return send_p2pd_error(res, http_status_for(e.code), p2pd_code_for(e), e.message);
    }
    send_ok(res, con_info(**r));
  });
}

}  // namespace p2pd::rpc
