#pragma once
// How the CLI's client subcommands reach a running daemon (docs/API.md): --api or
// $P2PD_API (then only there), else unix:/run/p2pd/api.sock, unix:<default state
// dir>/api.sock and 127.0.0.1:12333 in that order. Over TCP the token is sent from
// $P2PD_TOKEN or <state dir>/api.token.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/net/endpoint.hpp"
#include "core/result.hpp"

namespace p2pd::daemon {

struct ApiResponse {
  int status = 0;
  std::string body;
  std::string content_type;
};

struct ClientOptions {
  std::string api;        // --api
  std::string state_dir;  // --state-dir: where to read api.token
  int timeout_ms = 5000;
};

class ApiClient {
 public:
  // Error code "no_daemon" when nothing answers (exit 3), "bad_request" for a bad --api.
  static Result<ApiClient> connect(const ClientOptions& options);

  Result<ApiResponse> request(const std::string& method, const std::string& path, const std::string& body = {},
                              const std::string& content_type = "application/json") const;
  // Decodes a JSON answer; "unauthorized" for 401, the body's error slug otherwise.
  Result<nlohmann::json> request_json(const std::string& method, const std::string& path,
                                      const nlohmann::json& body = nullptr) const;

  const std::string& where() const { return where_; }

 private:
  net::ListenEndpoint endpoint_;
  std::string where_;
  std::string token_;
  int timeout_ms_ = 5000;
};

// Exit code for a client error (docs/API.md): 3 no daemon, 2 bad usage, else 1.
int exit_code_for(const Error& error);
// Prints "p2pd: <message>" to stderr and returns exit_code_for(error).
int report_error(const Error& error);
// One JSON request of a client subcommand: connects, sends, and prints the answer (the
// raw JSON with `raw`, else through `human`); returns the exit code (0, or the error's).
int run_json_request(const ClientOptions& options, const std::string& method, const std::string& path,
                     const nlohmann::json& body, bool raw, const std::function<void(const nlohmann::json&)>& human);

}  // namespace p2pd::daemon
