// rpc/access_rules: Host, Origin and token rules of docs/API.md, one by one.
#include <catch2/catch.hpp>

#include "rpc/access_rules.hpp"

using namespace p2pd::rpc;

TEST_CASE("host header: loopback names with optional port are allowed", "[rpc]") {
  for (auto h : {"localhost", "LocalHost", "localhost:12333", "127.0.0.1", "127.255.0.9:80", "[::1]", "[::1]:1"})
    CHECK(host_allowed(h));
  for (auto h : {"", "evil.example", "127.0.0.1.evil.example", "localhost.evil.example", "128.0.0.1", "127.0.0",
                 "127.0.0.1.5", "127.0.0.256", "[::2]", "[::1", "::1", "localhost:", "localhost:abc",
                 "localhost:123456", "[::1]x", "0x7f.0.0.1"})
    CHECK_FALSE(host_allowed(h));
}

TEST_CASE("origin header: absent, null and loopback http origins are allowed", "[rpc]") {
  CHECK(origin_allowed(std::nullopt));
  for (auto o : {"null", "http://localhost", "http://localhost:3000", "http://127.0.0.1", "http://127.0.0.1:8080",
                 "http://[::1]", "http://[::1]:9", "HTTP://LOCALHOST"})
    CHECK(origin_allowed(std::string_view(o)));
  for (auto o : {"", "https://localhost", "http://evil.example", "http://127.0.0.2", "http://localhost.evil",
                 "file://", "http://", "http://localhost:x"})
    CHECK_FALSE(origin_allowed(std::string_view(o)));
}

TEST_CASE("bearer token compared exactly", "[rpc]") {
  const std::string token(64, 'a');
  CHECK(bearer_matches("Bearer " + token, token));
  CHECK(bearer_matches("bearer " + token, token));
  CHECK_FALSE(bearer_matches(std::nullopt, token));
  CHECK_FALSE(bearer_matches("Bearer " + token + "b", token));
  CHECK_FALSE(bearer_matches("Bearer " + token.substr(1), token));
  CHECK_FALSE(bearer_matches("Basic " + token, token));
  CHECK_FALSE(bearer_matches("Bearer ", ""));
}

TEST_CASE("check_access applies host, origin, token in order", "[rpc]") {
  const std::string token(64, 'f');
  const std::string auth = "Bearer " + token;
  RequestFacts ok{false, true, "localhost", std::nullopt, auth, "GET", "/v1/status"};
  CHECK(check_access(ok, token) == Rejection::none);

  auto bad_host = ok;
  bad_host.host = "evil.example";
  bad_host.origin = "http://evil.example";
  bad_host.authorization = std::nullopt;
  CHECK(check_access(bad_host, token) == Rejection::forbidden_host);

  auto no_host = ok;
  no_host.host = std::nullopt;
  CHECK(check_access(no_host, token) == Rejection::forbidden_host);

  auto bad_origin = ok;
  bad_origin.origin = "http://evil.example";
  bad_origin.authorization = std::nullopt;
  CHECK(check_access(bad_origin, token) == Rejection::forbidden_origin);

  auto no_token = ok;
  no_token.authorization = std::nullopt;
  CHECK(check_access(no_token, token) == Rejection::unauthorized);

  auto version = no_token;
  version.path = "/version";
  CHECK(check_access(version, token) == Rejection::none);
  version.method = "POST";
  CHECK(check_access(version, token) == Rejection::unauthorized);

  auto tokenless = no_token;
  tokenless.token_required = false;
  CHECK(check_access(tokenless, token) == Rejection::none);

  RequestFacts unix_socket{true, true, std::nullopt, "http://evil.example", std::nullopt, "GET", "/v1/status"};
  CHECK(check_access(unix_socket, token) == Rejection::none);
}
