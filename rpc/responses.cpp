#include "rpc/responses.hpp"

#include <string>

namespace p2pd::rpc {

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                  "application/json");
}

void send_ok(httplib::Response& res, nlohmann::json body) {
  body["error"] = 0;
  send_json(res, 200, body);
}

void send_v1_error(httplib::Response& res, int status, std::string_view slug, std::string_view message) {
  send_json(res, status, {{"error", std::string(slug)}, {"message", std::string(message)}});
}

void send_p2pd_error(httplib::Response& res, int status, int code, std::string_view message) {
  send_json(res, status, {{"error", code}, {"msg", std::string(message)}});
}

int http_status_for(std::string_view slug) {
  if (slug == "bad_request" || slug == "malformed" || slug == "reserved_name") return 400;
  if (slug == "unauthorized") return 401;
  if (slug == "forbidden" || slug == "forbidden_host" || slug == "forbidden_origin") return 403;
  if (slug == "not_found") return 404;
  if (slug == "method_not_allowed") return 405;
  if (slug == "conflict" || slug == "closed") return 409;
  if (slug == "too_large") return 413;
  if (slug == "unreachable") return 502;
  if (slug == "not_implemented") return 501;
  if (slug == "loop_busy" || slug == "busy" || slug == "unavailable" || slug == "too_many") return 503;
  if (slug == "timeout") return 504;
  return 500;
}

void send_v1_error(httplib::Response& res, const Error& error) {
  send_v1_error(res, http_status_for(error.code), error.code, error.message);
}

std::string_view status_text(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 416: return "Range Not Satisfiable";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

bool is_v1_path(std::string_view path) {
  return path == "/v1" || path.substr(0, 4) == "/v1/" || path == "/metrics";
}

}  // namespace p2pd::rpc
