// NAT-PMP (RFC 6886) codec: the requests and responses of §3.2-3.5 laid out byte by
// byte, error answers, and malformed input.
#include <catch2/catch.hpp>

#include "core/proto/natpmp_message.hpp"
#include "test_stun_util.hpp"

using namespace p2pd::proto::natpmp;
using p2pd::proto::stun::testing::hex;

TEST_CASE("NAT-PMP external address request and response (RFC 6886 3.2)", "[natpmp]") {
  CHECK(serialize_request(Request{}) == hex("00 00"));
  CHECK(parse_request(hex("00 00")).value() == Request{});

  const auto bytes = hex("00 80 00 00  00 00 30 39  cb 00 71 0b");
  auto a = parse_response(bytes);
  REQUIRE(a.ok());
  CHECK(a->opcode == Opcode::external_address);
  CHECK(a->result == 0);
  CHECK(a->epoch == 12345);
  CHECK(a->external_address == std::array<std::uint8_t, 4>{203, 0, 113, 11});
  CHECK(serialize_response(*a) == bytes);
}

TEST_CASE("NAT-PMP map requests and responses (RFC 6886 3.3)", "[natpmp]") {
  Request udp{Opcode::map_udp, 40000, 40000, 7200};
  const auto udp_bytes = hex("00 01 00 00  9c 40 9c 40  00 00 1c 20");
  CHECK(serialize_request(udp) == udp_bytes);
  CHECK(parse_request(udp_bytes).value() == udp);
  Request tcp{Opcode::map_tcp, 22, 0, 3600};
  CHECK(serialize_request(tcp) == hex("00 02 00 00  00 16 00 00  00 00 0e 10"));
  // Deleting: lifetime 0 (and suggested port 0).
  CHECK(serialize_request(Request{Opcode::map_tcp, 22, 0, 0}) == hex("00 02 00 00 00 16 00 00 00 00 00 00"));

  const auto granted = hex("00 81 00 00  00 00 00 64  9c 40 9c 41  00 00 0e 10");
  auto a = parse_response(granted);
  REQUIRE(a.ok());
  CHECK(a->opcode == Opcode::map_udp);
  CHECK(a->result == 0);
  CHECK(a->epoch == 100);
  CHECK(a->internal_port == 40000);
  CHECK(a->external_port == 40001);
  CHECK(a->lifetime == 3600);
  CHECK(serialize_response(*a) == granted);
  // Trailing bytes are ignored.
  auto longer = granted;
  longer.push_back(0xee);
  CHECK(parse_response(longer).value() == *a);
}

TEST_CASE("NAT-PMP error answers", "[natpmp]") {
  // Refused (mapping turned off), in full as miniupnpd sends it.
  Response refused;
  refused.opcode = Opcode::map_tcp;
  refused.result = static_cast<std::uint16_t>(ResultCode::not_authorized);
  refused.epoch = 9;
  refused.internal_port = 22;
  const auto bytes = serialize_response(refused);
  CHECK(bytes == hex("00 82 00 02 00 00 00 09 00 16 00 00 00 00 00 00"));
  CHECK(parse_response(bytes).value() == refused);
  // An error answer may stop after the epoch.
  auto shortened = parse_response(hex("00 81 00 03 00 00 00 09"));
  REQUIRE(shortened.ok());
  CHECK(shortened->result == 3);
  CHECK(shortened->external_port == 0);
  // A success answer may not.
  CHECK(parse_response(hex("00 81 00 00 00 00 00 09 9c 40")).error().code == "malformed");
  CHECK(result_name(2) == "NOT_AUTHORIZED");
  CHECK(result_name(4) == "OUT_OF_RESOURCES");
  CHECK(result_name(77) == "result 77");
}

TEST_CASE("NAT-PMP parse refuses malformed messages", "[natpmp]") {
  CHECK(parse_response({}).error().code == "malformed");
  CHECK(parse_response(hex("00")).error().code == "malformed");
  CHECK(parse_response(hex("00 80 00 00")).error().code == "malformed");            // shorter than 8
  CHECK(parse_response(hex("00 80 00 00 00 00 00 01 cb 00")).error().code == "malformed");
  CHECK(parse_response(hex("00 83 00 00 00 00 00 01 00 00 00 00")).error().code == "malformed");  // opcode 3
  CHECK(parse_response(hex("00 01 00 00 9c 40 9c 40 00 00 1c 20")).error().code == "malformed");  // a request
  // A PCP server answering in PCP.
  CHECK(parse_response(hex("02 81 00 01 00 00 00 00")).error().code == "unsupported_version");
  CHECK(parse_request(hex("02 01")).error().code == "unsupported_version");
  CHECK(parse_request(hex("00 80")).error().code == "malformed");
  CHECK(parse_request(hex("00 03")).error().code == "malformed");
  CHECK(parse_request(hex("00 00 00")).error().code == "malformed");             // wrong size
  CHECK(parse_request(hex("00 01 00 00 9c 40")).error().code == "malformed");
  const auto full = serialize_response(Response{Opcode::map_udp, 0, 1, {}, 1, 2, 3});
  for (std::size_t n = 0; n < full.size(); ++n) CHECK_FALSE(parse_response(std::span(full).first(n)).ok());
}
