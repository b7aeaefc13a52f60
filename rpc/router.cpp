#include "rpc/router.hpp"

namespace p2pd::rpc {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<std::string> split_raw(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    auto piece = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (!piece.empty()) out.emplace_back(piece);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

}  // namespace

std::string url_decode(std::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  for (std::size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '%' && i + 2 < segment.size()) {
      int hi = hex_value(segment[i + 1]);
      int lo = hex_value(segment[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(segment[i]);
  }
  return out;
}

std::vector<std::string> split_target_path(std::string_view target) {
  auto query = target.find('?');
  auto raw = split_raw(target.substr(0, query));
  for (auto& segment : raw) segment = url_decode(segment);
  return raw;
}

void Router::add(std::string method, std::string_view pattern, RouteHandler handler) {
  routes_.push_back(Route{std::move(method), split_raw(pattern), std::move(handler)});
}

Router::Match Router::match(std::string_view method, std::string_view target) const {
  Match result;
  auto segments = split_target_path(target);
  for (const auto& route : routes_) {
    RouteParams params;
    bool matched = true;
    std::size_t i = 0;
    for (; i < route.segments.size(); ++i) {
      const auto& want = route.segments[i];
      if (want == "*") {
        params.rest.assign(segments.begin() + static_cast<std::ptrdiff_t>(std::min(i, segments.size())), segments.end());
        i = segments.size();
        break;
      }
      if (i >= segments.size()) {
        matched = false;
        break;
      }
      if (want.front() == ':')
        params.named[want.substr(1)] = segments[i];
      else if (want != segments[i]) {
        matched = false;
        break;
      }
    }
    if (!matched || i != segments.size()) continue;
    if (route.method != method) {
      result.method_not_allowed = true;
      continue;
    }
    result.handler = &route.handler;
    result.params = std::move(params);
    result.method_not_allowed = false;
    return result;
  }
  return result;
}

}  // namespace p2pd::rpc
