// The option pairs of P2PD's /recv, /binary and /sub routes (rpc/p2pd_paths).
#include <catch2/catch.hpp>

#include "core/pipe/address_pattern.hpp"
#include "rpc/p2pd_paths.hpp"

using namespace p2pd::rpc;

TEST_CASE("p2pd options: name and timeout pairs", "[p2pd_paths]") {
  auto o = parse_p2pd_options({"name", "s1", "timeout", "5"}, {"name", "timeout"});
  REQUIRE(o);
  CHECK(*o->name == "s1");
  CHECK(*o->timeout_ms == 5000);
  CHECK_FALSE(o->msg_p);

  auto none = parse_p2pd_options({}, {"name", "timeout"});
  REQUIRE(none);
  CHECK_FALSE(none->name);
  CHECK_FALSE(none->timeout_ms);
}

TEST_CASE("p2pd options: msg_p and addr_p, P2PD's tuple form normalised", "[p2pd_paths]") {
  auto o = parse_p2pd_options({"name", "s", "msg_p", "[hH]e(l)+o/x", "addr_p", "('127.0.0.1', 0)"},
                              {"name", "msg_p", "addr_p"});
  REQUIRE(o);
  CHECK(*o->msg_p == "[hH]e(l)+o/x");
  CHECK(*o->addr_p == "127.0.0.1,0");
  auto pattern = p2pd::pipe::AddressPattern::parse(*o->addr_p);
  REQUIRE(pattern);
  CHECK(pattern->port == 0);
  CHECK(p2pd_addr_pattern("10.0.0.1,80") == "10.0.0.1,80");
  CHECK(p2pd_addr_pattern("(\"::1\", 5000)") == "::1,5000");
}

TEST_CASE("p2pd options: bad input is bad_request naming it", "[p2pd_paths]") {
  auto odd = parse_p2pd_options({"name"}, {"name"});
  REQUIRE_FALSE(odd);
  CHECK(odd.error().code == "bad_request");
  CHECK(odd.error().message.find("\"name\" has no value") != std::string::npos);

  auto unknown = parse_p2pd_options({"msg_p", "x"}, {"name", "timeout"});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("unknown option \"msg_p\"") != std::string::npos);
  CHECK(unknown.error().message.find("name, timeout") != std::string::npos);

  auto twice = parse_p2pd_options({"name", "a", "name", "b"}, {"name"});
  REQUIRE_FALSE(twice);
  CHECK(twice.error().message.find("given twice") != std::string::npos);

  auto bad_timeout = parse_p2pd_options({"timeout", "soon"}, {"timeout"});
  REQUIRE_FALSE(bad_timeout);
  CHECK(bad_timeout.error().message.find("\"soon\"") != std::string::npos);
}

TEST_CASE("p2pd timeout: seconds with fractions, capped", "[p2pd_paths]") {
  CHECK(*parse_p2pd_timeout("0") == 0);
  CHECK(*parse_p2pd_timeout("2") == 2000);
  CHECK(*parse_p2pd_timeout("0.5") == 500);
  CHECK(*parse_p2pd_timeout(".25") == 250);
  CHECK(*parse_p2pd_timeout("1.2345") == 1234);
  CHECK(*parse_p2pd_timeout("300") == kP2pdMaxTimeoutMs);
  CHECK(*parse_p2pd_timeout("299.9") == 299900);
  CHECK(*parse_p2pd_timeout("99999999999") == kP2pdMaxTimeoutMs);
  for (const char* bad : {"", ".", "-1", "1e3", "2s", "1.2.3", " 1"}) {
    INFO(bad);
    CHECK_FALSE(parse_p2pd_timeout(bad));
  }
}
