#include "rpc/api_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <spdlog/spdlog.h>

#include "rpc/access_rules.hpp"
#include "rpc/responses.hpp"
#include "rpc/routes.hpp"
#include "rpc/tunnel.hpp"
#include "rpc/worker_pool.hpp"

namespace p2pd::rpc {

namespace {

constexpr std::chrono::milliseconds kIdleWorkerExit{10000};  // a grown pool shrinks back

std::optional<std::string_view> header(const httplib::Request& req, const char* name) {
  auto it = req.headers.find(name);
  if (it == req.headers.end()) return std::nullopt;
  return std::string_view(it->second);
}

std::string path_of(const httplib::Request& req) {
  std::string_view target = req.target.empty() ? std::string_view(req.path) : std::string_view(req.target);
  return std::string(target.substr(0, target.find('?')));
}

// Can this process bind a socket of the endpoint's family at its address at all?
// Distinguishes "IPv6 is off here" (skip a default listener) from real failures.
bool family_unavailable(const net::Endpoint& ep) {
  int fd = ::socket(ep.address.family == net::Family::v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno == EAFNOSUPPORT;
  sockaddr_storage ss{};
  socklen_t len = ep.to_sockaddr(ss);
  reinterpret_cast<sockaddr_in*>(&ss)->sin_port = 0;  // same offset for v4 and v6
  int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len);
  int err = errno;
  ::close(fd);
  return rc != 0 && (err == EADDRNOTAVAIL || err == EAFNOSUPPORT);
}

// True if something accepts connections on the unix socket at path.
bool unix_socket_alive(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  bool alive = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return alive;
}

}  // namespace

ApiServer::ApiServer(ApiContext& ctx, ApiServerOptions options) : ctx_(ctx), options_(options) {
  add_system_routes(router_, ctx_);
  add_turn_routes(router_, ctx_);
  add_portmap_routes(router_, ctx_);
  add_p2pd_pipe_routes(router_, ctx_);
  add_server_routes(router_, ctx_);
  add_net_routes(router_, ctx_);
  add_peer_routes(router_, ctx_);
  add_book_routes(router_, ctx_);
  add_pipe_routes(router_, ctx_);
  add_pipe_forward_routes(router_, ctx_);
  add_peer_pipe_routes(router_, ctx_);
  add_tunnel_routes(router_, ctx_);
  add_signaling_routes(router_, ctx_);
  add_event_routes(router_, ctx_);
}

ApiServer::~ApiServer() { stop(); }

void ApiServer::install(HttpListener& listener) {
  // Long polls are gated globally (ApiContext::long_polls), so every one of them may wait
  // on this listener: its pool must be able to hold them all and still have `threads`.
  const auto core = static_cast<std::size_t>(options_.threads);
  const auto max = core + static_cast<std::size_t>(options_.max_long_polls);
  listener.new_task_queue = [core, max] { return new WorkerPool(core, max, kIdleWorkerExit); };
  listener.set_keep_alive_timeout(options_.keep_alive_timeout_s);
  listener.set_read_timeout(5, 0);
  listener.set_write_timeout(5, 0);
  listener.set_payload_max_length(options_.max_body);

  const bool over_unix = listener.is_unix();
  // GET /tunnel/<c> moves a TCP connection to the loop (rpc/tunnel.hpp); the loop's
  // relay speaks TCP, so the unix socket listener answers /tunnel with an error.
  if (!over_unix) listener.set_takeover(tunnel_takeover(ctx_));
  // Access rules run before the body is read, so a rejected request costs no upload.
  listener.set_pre_routing_handler([this, over_unix](const httplib::Request& req, httplib::Response& res) {
    ctx_.counters.requests.inc();
    std::string path = path_of(req);
    RequestFacts facts{over_unix, ctx_.token_required, header(req, "Host"), header(req, "Origin"),
                       header(req, "Authorization"), req.method, path};
    Rejection rejection = check_access(facts, ctx_.token);
    if (rejection == Rejection::none) return httplib::Server::HandlerResponse::Unhandled;
    int status = rejection == Rejection::unauthorized ? 401 : 403;
    if (rejection == Rejection::forbidden_host) ctx_.counters.rejected_host.inc();
    if (rejection == Rejection::forbidden_origin) ctx_.counters.rejected_origin.inc();
    if (rejection == Rejection::unauthorized) ctx_.counters.rejected_token.inc();
    auto slug = rejection_slug(rejection);
    spdlog::debug("api: {} {} rejected: {}", req.method, path, slug);
    if (is_v1_path(path))
      send_v1_error(res, status, slug, "request rejected by the API's access rules");
    else
      send_p2pd_error(res, status, p2pd_code::no_address, std::string(slug));
    return httplib::Server::HandlerResponse::Handled;
  });

  auto handler = [this, over_unix](const httplib::Request& req, httplib::Response& res) {
    dispatch(req, res, over_unix);
  };
  listener.Get(".*", handler);
  listener.Post(".*", handler);
  listener.Put(".*", handler);
  listener.Delete(".*", handler);
  listener.Patch(".*", handler);

  // Statuses cpp-httplib sets itself (413, 400 on a bad request line...) get JSON too.
  listener.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string path = path_of(req);
    std::string slug = res.status == 413 ? "too_large" : res.status == 404 ? "not_found" : "bad_request";
    if (is_v1_path(path) || res.status == 413)
      send_v1_error(res, res.status, slug, status_text(res.status));
    else
      send_p2pd_error(res, res.status, p2pd_code::no_address, status_text(res.status));
  });
  listener.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("api: handler threw: {}", what);
    send_v1_error(res, 500, "internal", what);
  });
}

void ApiServer::dispatch(const httplib::Request& req, httplib::Response& res, bool) {
  auto match = router_.match(req.method == "HEAD" ? "GET" : req.method, req.target);
  std::string path = path_of(req);
  if (match.handler == nullptr) {
    if (match.method_not_allowed) {
      send_v1_error(res, 405, "method_not_allowed", req.method + " is not allowed on " + path);
      return;
    }
    ctx_.counters.not_found.inc();
    if (is_v1_path(path))
      send_v1_error(res, 404, "not_found", "no route " + req.method + " " + path);
    else
      send_p2pd_error(res, 404, p2pd_code::no_address, "no route " + req.method + " " + path);
    return;
  }
  (*match.handler)(req, res, match.params);
}

Result<std::string> ApiServer::bind_tcp(HttpListener& listener, const net::Endpoint& ep, bool is_default,
                                        bool& skipped) {
  skipped = false;
  if (is_default && family_unavailable(ep)) {
    skipped = true;
    return std::string();
  }
  std::string host = ep.address.to_string();
  listener.set_address_family(ep.address.family == net::Family::v6 ? AF_INET6 : AF_INET);
  int port = ep.port;
  errno = 0;
  if (port == 0) {
    port = listener.bind_to_any_port(host);
    if (port <= 0) port = -1;
  } else if (!listener.bind_to_port(host, port)) {
    port = -1;
  }
  if (port < 0)
    return Error{"bind_failed", "cannot listen on " + ep.to_string() + ": " +
                                    (errno ? std::strerror(errno) : "bind failed")};
  net::Endpoint bound = ep;
  bound.port = static_cast<std::uint16_t>(port);
  return bound.to_string();
}

Result<std::string> ApiServer::bind_unix(HttpListener& listener, const std::string& path) {
  if (path.size() >= sizeof(sockaddr_un::sun_path))
    return Error{"bind_failed", "unix socket path too long (max " +
                                    std::to_string(sizeof(sockaddr_un::sun_path) - 1) + "): " + path};
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return Error{"bind_failed", path + " exists and is not a socket"};
    if (unix_socket_alive(path)) return Error{"bind_failed", path + " is in use by another running daemon"};
    ::unlink(path.c_str());  // stale socket from a daemon that died
  }
  listener.set_address_family(AF_UNIX);
  // Mode 0660: the owner and the group (p2pd under systemd) may connect.
  mode_t old = ::umask(0117);
  errno = 0;
  bool ok = listener.bind_to_port(path, 80);
  int err = errno;
  ::umask(old);
  if (!ok)
    return Error{"bind_failed", "cannot listen on unix:" + path + ": " + (err ? std::strerror(err) : "bind failed")};
  unix_paths_.push_back(path);
  return "unix:" + path;
}

Result<std::vector<std::string>> ApiServer::bind(const std::vector<ListenRequest>& requests) {
  std::vector<std::string> bound;
  for (const auto& request : requests) {
    auto listener = std::make_unique<HttpListener>(request.endpoint.is_unix());
    install(*listener);
    Result<std::string> r = std::string();
    if (request.endpoint.is_unix()) {
      r = bind_unix(*listener, request.endpoint.unix_path);
    } else {
      bool skipped = false;
      r = bind_tcp(*listener, *request.endpoint.tcp, request.is_default, skipped);
      if (r.ok() && skipped) {
        spdlog::warn("api: skipping default listener {}: address family not available here",
                     request.endpoint.to_string());
        continue;
      }
    }
    if (!r.ok()) return r.error();
    spdlog::info("api: listening on {}", *r);
    bound.push_back(*r);
    listeners_.push_back(std::move(listener));
  }
  if (listeners_.empty()) return Error{"bind_failed", "no API listener could be bound"};
  return bound;
}

void ApiServer::start() {
  for (auto& listener : listeners_) {
    HttpListener* l = listener.get();
    threads_.emplace_back([l] { l->listen_after_bind(); });
  }
}

void ApiServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& listener : listeners_) listener->stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  for (const auto& path : unix_paths_) ::unlink(path.c_str());
  unix_paths_.clear();
}

}  // namespace p2pd::rpc
