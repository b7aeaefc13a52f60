#pragma once
// Routing on the raw request target: the path is split on '/' first and each segment
// is URL-decoded once afterwards (docs/API.md), so "/send/c/a%2Fb" sends "a/b".
// Patterns: "/v1/pipes/:name/send" (":x" binds one segment), and a final "*" binds
// the remaining segments (for P2PD's "/recv/<c>/name/<sub>/timeout/<s>" forms).
#include <httplib.h>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace p2pd::rpc {

struct RouteParams {
  std::map<std::string, std::string> named;  // ":x" segments, decoded
  std::vector<std::string> rest;             // what "*" matched, decoded
  const std::string& operator[](const std::string& key) const { return named.at(key); }
};

using RouteHandler = std::function<void(const httplib::Request&, httplib::Response&, const RouteParams&)>;

class Router {
 public:
  void add(std::string method, std::string_view pattern, RouteHandler handler);

  struct Match {
    const RouteHandler* handler = nullptr;  // null: no route
    RouteParams params;
    bool method_not_allowed = false;        // the path exists for another method
  };
  Match match(std::string_view method, std::string_view target) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // literal, ":name" or "*"
    RouteHandler handler;
  };
  std::vector<Route> routes_;
};

// The path part of a target (before '?'), split on '/' and decoded; empty segments
// (from "//" or a trailing '/') are dropped.
std::vector<std::string> split_target_path(std::string_view target);

// Percent-decoding of one segment ('+' stays '+': this is a path, not a form).
std::string url_decode(std::string_view segment);

}  // namespace p2pd::rpc
