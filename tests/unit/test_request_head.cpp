// parse_request_head: the peeked head the /tunnel takeover hook decides on.
#include <catch2/catch.hpp>

#include "rpc/request_head.hpp"

using p2pd::rpc::parse_request_head;

TEST_CASE("parse_request_head: request line, headers by lower-case name, size", "[rpc][head]") {
  std::string raw = "GET /tunnel/t%201?x=1 HTTP/1.1\r\nHost: 127.0.0.1:80\r\nauthorization:  Bearer abc \r\n"
                    "Origin: http://localhost\r\nHOST: second\r\n\r\nafter the head";
  auto head = parse_request_head(raw);
  REQUIRE(head);
  CHECK(head->method == "GET");
  CHECK(head->target == "/tunnel/t%201?x=1");
  CHECK(head->size == raw.find("after"));
  CHECK(head->header("host") == std::optional<std::string_view>("127.0.0.1:80"));  // the first one
  CHECK(head->header("authorization") == std::optional<std::string_view>("Bearer abc"));
  CHECK(head->header("origin") == std::optional<std::string_view>("http://localhost"));
  CHECK_FALSE(head->header("cookie"));
  auto bare = parse_request_head("GET / HTTP/1.0\r\n\r\n");
  REQUIRE(bare);
  CHECK(bare->headers.empty());
  CHECK(bare->size == 18);
}

TEST_CASE("parse_request_head: incomplete or malformed heads are refused", "[rpc][head]") {
  for (const char* bad : {"", "GET /tunnel/x HTTP/1.1\r\nHost: a\r\n", "GET /tunnel/x HTTP/1.1\r\n",
                          "GET /tunnel/x\r\n\r\n", "GET  HTTP/1.1\r\n\r\n", "GET /a b HTTP/1.1\r\n\r\n",
                          "GET /x HTTP/2\r\n\r\n", "G(T /x HTTP/1.1\r\n\r\n", "GET /x HTTP/1.1\r\nno colon\r\n\r\n",
                          "GET /x HTTP/1.1\r\nBad Name: v\r\n\r\n", "\r\n\r\n"}) {
    INFO(bad);
    CHECK_FALSE(parse_request_head(bad));
  }
}
