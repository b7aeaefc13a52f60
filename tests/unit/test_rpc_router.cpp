// rpc/router: raw-target routing with per-segment decoding.
#include <catch2/catch.hpp>

#include "rpc/router.hpp"

using namespace p2pd::rpc;

namespace {
RouteHandler noop() {
  return [](const httplib::Request&, httplib::Response&, const RouteParams&) {};
}
}  // namespace

TEST_CASE("segments are split before they are decoded", "[rpc]") {
  CHECK(split_target_path("/send/c/a%2Fb") == std::vector<std::string>{"send", "c", "a/b"});
  CHECK(split_target_path("/x//y/?q=1") == std::vector<std::string>{"x", "y"});
  CHECK(url_decode("a%20b+c%zz%4") == "a b+c%zz%4");
  CHECK(url_decode("%00%ff") == std::string("\0\xff", 2));
}

TEST_CASE("named and rest parameters", "[rpc]") {
  Router r;
  r.add("GET", "/v1/pipes/:name", noop());
  r.add("POST", "/v1/pipes/:name/send", noop());
  r.add("GET", "/recv/:c/*", noop());

  auto m = r.match("GET", "/v1/pipes/my%2Epipe");
  REQUIRE(m.handler);
  CHECK(m.params["name"] == "my.pipe");

  m = r.match("GET", "/recv/c1/name/sub/timeout/3");
  REQUIRE(m.handler);
  CHECK(m.params["c"] == "c1");
  CHECK(m.params.rest == std::vector<std::string>{"name", "sub", "timeout", "3"});

  m = r.match("GET", "/recv/c1");
  REQUIRE(m.handler);
  CHECK(m.params.rest.empty());

  m = r.match("GET", "/v1/pipes/x/send");
  CHECK_FALSE(m.handler);
  CHECK(m.method_not_allowed);

  m = r.match("GET", "/v1/pipes");
  CHECK_FALSE(m.handler);
  CHECK_FALSE(m.method_not_allowed);
}
