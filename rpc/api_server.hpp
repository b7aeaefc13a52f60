#pragma once
// The REST API: one HttpListener per configured endpoint (loopback TCP v4/v6, unix
// socket), each with its own worker pool (rpc/worker_pool.hpp), all sharing one Router and ApiContext.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/net/endpoint.hpp"
#include "core/result.hpp"
#include "rpc/api_context.hpp"
#include "rpc/http_listener.hpp"
#include "rpc/router.hpp"

namespace p2pd::rpc {

struct ApiServerOptions {
  int threads = 4;          // workers kept for short requests, per listener
  int max_long_polls = 64;  // the pool grows by up to this many for waiting long polls
  int keep_alive_timeout_s = 1;
  std::size_t max_body = 16 * 1024 * 1024;
};

struct ListenRequest {
  net::ListenEndpoint endpoint;  // unix paths already resolved to absolute
  bool is_default = false;       // a default listener whose family is missing is skipped
};

class ApiServer {
 public:
  ApiServer(ApiContext& ctx, ApiServerOptions options);
  ~ApiServer();  // stop()s

  // Binds every listener. A default listener whose address family is unavailable is
  // logged and skipped; any other failure, or ending with no listener, is an error.
  // Returns the endpoints actually bound ("127.0.0.1:40123", "unix:/run/p2pd/api.sock").
  Result<std::vector<std::string>> bind(const std::vector<ListenRequest>& requests);

  void start();  // one accept thread per listener
  // Blocking: stops accepting, waits for the workers (idle keep-alive connections are
  // noticed within 50 ms), removes the unix socket files. Idempotent.
  void stop();

  Router& router() { return router_; }

 private:
  void install(HttpListener& listener);
  void dispatch(const httplib::Request& req, httplib::Response& res, bool over_unix);
  Result<std::string> bind_tcp(HttpListener& listener, const net::Endpoint& ep, bool is_default, bool& skipped);
  Result<std::string> bind_unix(HttpListener& listener, const std::string& path);

  ApiContext& ctx_;
  ApiServerOptions options_;
  Router router_;
  std::vector<std::unique_ptr<HttpListener>> listeners_;
  std::vector<std::string> unix_paths_;
  std::vector<std::thread> threads_;
  bool stopped_ = false;
};

}  // namespace p2pd::rpc
