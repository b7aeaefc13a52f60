// /v1/portmaps: mappings on the gateway (docs/API.md, "Port mapping"). Adding and
// deleting wait for the gateway's answer (call_deferred, under the long-poll bound);
// listing is one bridge call.
#include <charconv>
#include <chrono>
#include <string>

#include "core/portmap/portmap_node.hpp"
#include "rpc/json_body.hpp"
#include "rpc/responses.hpp"
#include "rpc/routes.hpp"
#include "rpc/wait_on_loop.hpp"

namespace p2pd::rpc {

namespace {

using nlohmann::json;
using portmap::PortmapNode;

constexpr std::uint64_t kDefaultWaitMs = 15000;  // every protocol's exchange, UPnP's discovery included
constexpr std::uint64_t kMaxWaitMs = 120000;
constexpr std::uint32_t kMinLifetimeS = 10;
constexpr std::uint32_t kMaxLifetimeS = 604800;

Error no_portmap() { return Error{"unavailable", "port mapping is not in this process"}; }

void send_portmap_error(httplib::Response& res, const Error& e) {
  send_v1_error(res, e.code == "portmap_failed" ? 502 : http_status_for(e.code), e.code, e.message);
}

Result<std::uint16_t> port_value(const json& value, const char* key, bool zero_ok) {
  if (!value.is_number_unsigned() || value.get<std::uint64_t>() > 65535 || (!zero_ok && value.get<std::uint64_t>() == 0))
    return Error{"bad_request", std::string("\"") + key + "\" must be a port number (" + (zero_ok ? "0" : "1") +
                                    "-65535)"};
  return static_cast<std::uint16_t>(value.get<std::uint64_t>());
}

Result<portmap::PortmapAdd> add_request(const json& body) {
  portmap::PortmapAdd r;
  bool have_proto = false, have_port = false;
  for (const auto& [key, value] : body.items()) {
    if (key == "proto") {
      auto p = value.is_string() ? portmap::parse_protocol(value.get<std::string>())
                                 : Result<portmap::Protocol>(Error{"bad_request", "\"proto\" must be \"udp\" or \"tcp\""});
      if (!p) return Error{"bad_request", "\"proto\": " + p.error().message};
      r.protocol = *p;
      have_proto = true;
    } else if (key == "internal_port") {
      auto port = port_value(value, "internal_port", false);
      if (!port) return port.error();
      r.internal_port = *port;
      have_port = true;
    } else if (key == "external_port") {
      auto port = port_value(value, "external_port", true);
      if (!port) return port.error();
      r.external_port = *port;
    } else if (key == "lifetime_s") {
      if (!value.is_number_unsigned() || value.get<std::uint64_t>() < kMinLifetimeS ||
          value.get<std::uint64_t>() > kMaxLifetimeS)
        return Error{"bad_request", "\"lifetime_s\" must be a number of seconds from " + std::to_string(kMinLifetimeS) +
                                        " to " + std::to_string(kMaxLifetimeS)};
      r.lifetime_s = value.get<std::uint32_t>();
    } else if (key == "kind") {
      if (!value.is_string() || (value != "mapping" && value != "pinhole"))
        return Error{"bad_request", "\"kind\" must be \"mapping\" or \"pinhole\""};
      r.pinhole = value == "pinhole";
    } else if (key == "internal_address") {
      auto a = value.is_string() ? net::IpAddress::parse(value.get<std::string>())
                                 : Result<net::IpAddress>(Error{"bad_request", "not a string"});
      if (!a || a->family != net::Family::v6)
        return Error{"bad_request", "\"internal_address\" must be an IPv6 address of this host"};
      r.address = *a;
    } else if (key != "timeout_ms") {
      return Error{"bad_request", "unknown key \"" + key + "\""};
    }
  }
  if (!have_proto) return Error{"bad_request", "\"proto\" is required (\"udp\" or \"tcp\")"};
  if (!have_port) return Error{"bad_request", "\"internal_port\" is required"};
  if (r.pinhole && r.external_port != 0)
    return Error{"bad_request", "a pinhole has no \"external_port\": outsiders reach the internal address and port"};
  if (!r.pinhole && r.address) return Error{"bad_request", "\"internal_address\" is for \"kind\": \"pinhole\""};
  return r;
}

Result<std::uint64_t> id_param(const std::string& text) {
  std::uint64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id == 0)
    return Error{"bad_request", "a port mapping id is a positive number, not \"" + text + "\""};
  return id;
}

}  // namespace

void add_portmap_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/v1/portmaps", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams&) {
    auto* node = ctx.core.portmap;
    auto r = ctx.on_loop([node]() -> Result<json> {
      if (!node) return no_portmap();
      return node->list();
    });
    if (!r) return send_v1_error(res, r.error());
    send_ok(res, *r);
  });

  router.add("GET", "/v1/portmaps/:id", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
    auto id = id_param(p["id"]);
    if (!id) return send_v1_error(res, id.error());
    auto* node = ctx.core.portmap;
    auto r = ctx.on_loop([node, id = *id]() -> Result<json> {
      if (!node) return no_portmap();
      return node->get(id);
    });
    if (!r) return send_portmap_error(res, r.error());
    send_ok(res, {{"portmap", *r}});
  });

  router.add("POST", "/v1/portmaps", [&ctx](const httplib::Request& req, httplib::Response& res, const RouteParams&) {
    auto body = parse_body(req);
    if (!body) return send_v1_error(res, body.error());
    auto request = add_request(*body);
    if (!request) return send_v1_error(res, request.error());
    auto* node = ctx.core.portmap;
    auto r = wait_on_loop<json>(
        ctx, res,
        [node, request = *request](loop::Promise<json> promise) {
          if (!node) return (void)promise.resolve(no_portmap());
          node->add(request, [promise](Result<json> done) { promise.resolve(std::move(done)); });
        },
        timeout_field(*body, kDefaultWaitMs, kMaxWaitMs));
    if (!r) return;
    if (!*r) return send_portmap_error(res, r->error());
    send_json(res, 201, {{"error", 0}, {"portmap", **r}});
  });

  router.add("DELETE", "/v1/portmaps/:id",
             [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
               auto id = id_param(p["id"]);
               if (!id) return send_v1_error(res, id.error());
               auto* node = ctx.core.portmap;
               auto r = wait_on_loop<json>(
                   ctx, res,
                   [node, id = *id](loop::Promise<json> promise) {
                     if (!node) return (void)promise.resolve(no_portmap());
                     node->remove(id, [promise](Result<json> done) { promise.resolve(std::move(done)); });
                   },
                   std::chrono::milliseconds(kDefaultWaitMs));
               if (!r) return;
               if (!*r) return send_portmap_error(res, r->error());
               send_ok(res, **r);
             });
}

}  // namespace p2pd::rpc
