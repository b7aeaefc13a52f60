#include "daemon/api_client.hpp"

#include <cstdio>

#include <sys/socket.h>

#include <cstdlib>

#include <httplib.h>

#include "daemon/state_dir.hpp"

namespace p2pd::daemon {

namespace {

std::unique_ptr<httplib::Client> make_client(const net::ListenEndpoint& ep, int timeout_ms, std::string& host_header) {
  std::unique_ptr<httplib::Client> client;
  if (ep.is_unix()) {
    client = std::make_unique<httplib::Client>(ep.unix_path);
    client->set_address_family(AF_UNIX);
    host_header = "localhost";
  } else {
    client = std::make_unique<httplib::Client>(ep.tcp->address.to_string(), ep.tcp->port);
    host_header = ep.tcp->to_string();  // "[::1]:12333" keeps its brackets
  }
  auto sec = timeout_ms / 1000;
  auto usec = (timeout_ms % 1000) * 1000;
  client->set_connection_timeout(sec, usec);
  client->set_read_timeout(sec + 60, 0);  // long polls answer late on purpose
  client->set_write_timeout(sec, usec);
  return client;
}

std::vector<std::string> candidates(const std::string& api_flag) {
  if (!api_flag.empty()) return {api_flag};
  const char* env = std::getenv("P2PD_API");
  if (env != nullptr && *env != '\0') return {env};
  return {"unix:/run/p2pd/api.sock", "unix:" + default_state_dir() + "/api.sock", "127.0.0.1:12333"};
}

}  // namespace

int exit_code_for(const Error& error) {
  if (error.code == "no_daemon") return 3;
  if (error.code == "bad_request") return 2;
  return 1;
}

Result<ApiClient> ApiClient::connect(const ClientOptions& options) {
  std::string tried;
  for (const auto& text : candidates(options.api)) {
    auto ep = net::ListenEndpoint::parse(text);
    if (!ep.ok()) return Error{"bad_request", "--api " + text + ": " + ep.error().message};
    std::string host;
    auto client = make_client(*ep, options.timeout_ms, host);
    auto res = client->Get("/version", httplib::Headers{{"Host", host}});
    if (!tried.empty()) tried += ", ";
    tried += text;
    if (!res) continue;  // missing socket, refused, timed out: try the next one
    ApiClient out;
    out.endpoint_ = *ep;
    out.where_ = text;
    out.timeout_ms_ = options.timeout_ms;
    if (!ep->is_unix()) {
      const char* env = std::getenv("P2PD_TOKEN");
      if (env != nullptr && *env != '\0') {
        out.token_ = env;
      } else {
        auto token = read_token(resolve_state_dir(options.state_dir));
        if (token.ok()) out.token_ = *token;
      }
    }
    return out;
  }
  return Error{"no_daemon", "no p2pd daemon is reachable (tried " + tried + "); start one with `p2pd daemon`"};
}

Result<ApiResponse> ApiClient::request(const std::string& method, const std::string& path, const std::string& body,
                                       const std::string& content_type) const {
  std::string host;
  auto client = make_client(endpoint_, timeout_ms_, host);
  httplib::Headers headers{{"Host", host}};
  if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
  auto send = [&]() -> httplib::Result {
    if (method == "POST") return client->Post(path.c_str(), headers, body, content_type.c_str());
    if (method == "PUT") return client->Put(path.c_str(), headers, body, content_type.c_str());
    if (method == "DELETE") return client->Delete(path.c_str(), headers, body, content_type.c_str());
    return client->Get(path.c_str(), headers);
  };
  if (method != "GET" && method != "POST" && method != "PUT" && method != "DELETE")
    return Error{"bad_request", "unsupported method " + method};
  auto res = send();
  if (!res) return Error{"no_daemon", "the daemon at " + where_ + " did not answer: " + httplib::to_string(res.error())};
  return ApiResponse{res->status, res->body, res->get_header_value("Content-Type")};
}

Result<nlohmann::json> ApiClient::request_json(const std::string& method, const std::string& path,
                                               const nlohmann::json& body) const {
  auto res = request(method, path, body.is_null() ? std::string() : body.dump());
  if (!res.ok()) return res.error();
  if (res->status == 401)
    return Error{"unauthorized", "the daemon at " + where_ + " wants its API token: run as a user who can read " +
                                     "<state dir>/api.token, pass --state-dir, or set P2PD_TOKEN"};
  auto json = nlohmann::json::parse(res->body, nullptr, false);
  if (json.is_discarded()) return Error{"malformed", "the daemon's answer is not JSON"};
  if (res->status >= 400) {
    std::string slug = json.contains("error") && json["error"].is_string() ? json["error"].get<std::string>() : "error";
    std::string msg = json.value("message", json.value("msg", std::string("request failed")));
    return Error{slug, msg};
  }
  return json;
}

int report_error(const Error& error) {
  std::fprintf(stderr, "p2pd: %s\n", error.message.c_str());
  return exit_code_for(error);
}

int run_json_request(const ClientOptions& options, const std::string& method, const std::string& path,
                     const nlohmann::json& body, bool raw, const std::function<void(const nlohmann::json&)>& human) {
  auto client = ApiClient::connect(options);
  if (!client.ok()) return report_error(client.error());
  auto r = client->request_json(method, path, body);
  if (!r.ok()) return report_error(r.error());
  if (raw) std::puts(r->dump(2).c_str());
  else human(*r);
  return 0;
}

}  // namespace p2pd::daemon
