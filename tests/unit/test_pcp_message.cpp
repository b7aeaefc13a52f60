// PCP (RFC 6887) codec: MAP and ANNOUNCE requests and responses laid out field by field
// as in the RFC's figures 2, 3 and 9, options (§7.3, §13), and every malformed shape the
// parser must refuse.
#include <catch2/catch.hpp>

#include "core/proto/pcp_message.hpp"
#include "test_stun_util.hpp"

using namespace p2pd::proto::pcp;
using p2pd::proto::stun::testing::hex;

namespace {

Nonce nonce() { return {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}; }

// Figure 2 (request header) + figure 9 (MAP): version 2, opcode MAP, lifetime 7200,
// client ::ffff:192.168.1.11, nonce 01..0c, UDP, internal 40000, suggested 40000 at ::.
const auto kMapRequest = hex(R"(02 01 00 00  00 00 1c 20
    00 00 00 00 00 00 00 00 00 00 ff ff c0 a8 01 0b
    01 02 03 04 05 06 07 08 09 0a 0b 0c
    11 00 00 00  9c 40 9c 40
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00)");

// Figure 3 (response header) + MAP: R bit, SUCCESS, lifetime 3600, epoch 1234, external
// 203.0.113.11:40001.
const auto kMapResponse = hex(R"(02 81 00 00  00 00 0e 10  00 00 04 d2
    00 00 00 00 00 00 00 00 00 00 00 00
    01 02 03 04 05 06 07 08 09 0a 0b 0c
    11 00 00 00  9c 40 9c 41
    00 00 00 00 00 00 00 00 00 00 ff ff cb 00 71 0b)");

Request map_request() {
  Request q;
  q.opcode = Opcode::map;
  q.lifetime = 7200;
  q.client_address = ipv4_mapped({192, 168, 1, 11});
  q.map = MapData{nonce(), kProtocolUdp, 40000, 40000, {}};
  return q;
}

}  // namespace

TEST_CASE("PCP MAP request: bytes as in RFC 6887 figures 2 and 9", "[pcp]") {
  CHECK(serialize_request(map_request()) == kMapRequest);
  auto q = parse_request(kMapRequest);
  REQUIRE(q.ok());
  CHECK(*q == map_request());
  CHECK(is_ipv4_mapped(q->client_address));
  CHECK(ipv4_of(q->client_address) == Ipv4{192, 168, 1, 11});
  CHECK(is_zero(q->map->external_address));
}

TEST_CASE("PCP MAP response: granted port, lifetime and epoch", "[pcp]") {
  auto a = parse_response(kMapResponse);
  REQUIRE(a.ok());
  CHECK(a->opcode == Opcode::map);
  CHECK(a->result == static_cast<std::uint8_t>(ResultCode::success));
  CHECK(a->lifetime == 3600);
  CHECK(a->epoch == 1234);
  REQUIRE(a->map);
  CHECK(a->map->nonce == nonce());
  CHECK(a->map->protocol == kProtocolUdp);
  CHECK(a->map->internal_port == 40000);
  CHECK(a->map->external_port == 40001);
  CHECK(ipv4_of(a->map->external_address) == Ipv4{203, 0, 113, 11});
  CHECK(a->options.empty());
  CHECK(serialize_response(*a) == kMapResponse);
  // A request is not a response, and the other way round.
  CHECK(parse_request(kMapResponse).error().code == "malformed");
  CHECK(parse_response(kMapRequest).error().code == "malformed");
}

TEST_CASE("PCP error response: result code, short and long-lifetime errors", "[pcp]") {
  Response a;
  a.result = static_cast<std::uint8_t>(ResultCode::no_resources);
  a.lifetime = 30;
  a.epoch = 7;
  a.map = MapData{nonce(), kProtocolTcp, 22, 0, {}};
  const auto bytes = serialize_response(a);
  CHECK(bytes.size() == kHeaderSize + kMapSize);
  CHECK(bytes[1] == 0x81);
  CHECK(bytes[3] == 8);
  CHECK(parse_response(bytes).value() == a);
  CHECK(result_name(8) == "NO_RESOURCES");
  CHECK(result_name(13) == "EXCESSIVE_REMOTE_PEERS");
  CHECK(result_name(99) == "result 99");
  CHECK(is_short_term_error(static_cast<std::uint8_t>(ResultCode::no_resources)));
  CHECK(is_short_term_error(static_cast<std::uint8_t>(ResultCode::network_failure)));
  CHECK(is_short_term_error(static_cast<std::uint8_t>(ResultCode::user_ex_quota)));
  CHECK(is_short_term_error(static_cast<std::uint8_t>(ResultCode::cannot_provide_external)));
  CHECK_FALSE(is_short_term_error(static_cast<std::uint8_t>(ResultCode::not_authorized)));
  CHECK_FALSE(is_short_term_error(static_cast<std::uint8_t>(ResultCode::unsupp_version)));
  CHECK_FALSE(is_short_term_error(static_cast<std::uint8_t>(ResultCode::success)));
}

TEST_CASE("PCP ANNOUNCE: header only, both directions", "[pcp]") {
  Request q;
  q.opcode = Opcode::announce;
  q.client_address = ipv4_mapped({192, 168, 1, 11});
  const auto bytes = serialize_request(q);
  CHECK(bytes == hex("02 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00 00 00 ff ff c0 a8 01 0b"));
  CHECK(parse_request(bytes).value() == q);

  // A server's unsolicited ANNOUNCE after a restart: epoch back to a small number.
  const auto announce = hex("02 80 00 00 00 00 00 00 00 00 00 05  00 00 00 00 00 00 00 00 00 00 00 00");
  auto a = parse_response(announce);
  REQUIRE(a.ok());
  CHECK(a->opcode == Opcode::announce);
  CHECK(a->epoch == 5);
  CHECK_FALSE(a->map.has_value());
}

TEST_CASE("PCP options: PREFER_FAILURE, FILTER, THIRD_PARTY and unknown ones", "[pcp]") {
  Request q = map_request();
  Filter f{96 + 32, 7000, ipv4_mapped({198, 51, 100, 9})};
  q.options = {prefer_failure_option(), filter_option(f), Option{0x80, {0xaa, 0xbb, 0xcc}}};
  const auto bytes = serialize_request(q);
  // 60 + PREFER_FAILURE (4) + FILTER (4 + 20) + the unknown option (4 + 3 + 1 padding).
  CHECK(bytes.size() == 60 + 4 + 24 + 8);
  CHECK(std::vector<std::uint8_t>(bytes.begin() + 60, bytes.begin() + 64) == hex("02 00 00 00"));
  CHECK(std::vector<std::uint8_t>(bytes.begin() + 64, bytes.begin() + 88) ==
        hex("03 00 00 14  00 80 1b 58  00 00 00 00 00 00 00 00 00 00 ff ff c6 33 64 09"));
  CHECK(std::vector<std::uint8_t>(bytes.end() - 8, bytes.end()) == hex("80 00 00 03 aa bb cc 00"));
  auto back = parse_request(bytes);
  REQUIRE(back.ok());
  CHECK(*back == q);
  CHECK(decode_filter(back->options[1]).value() == f);
  CHECK(decode_filter(back->options[0]).error().code == "malformed");

  const Ip inside = ipv4_mapped({192, 168, 1, 12});
  CHECK(decode_third_party(third_party_option(inside)).value() == inside);
  CHECK(decode_third_party(prefer_failure_option()).error().code == "malformed");

  // Prefix lengths: 0 removes filters; IPv4 needs 97-128; nothing above 128.
  CHECK(decode_filter(filter_option(Filter{0, 0, {}})).ok());
  CHECK(decode_filter(filter_option(Filter{128, 0, {}})).ok());
  CHECK(decode_filter(filter_option(Filter{129, 0, {}})).error().code == "malformed");
  CHECK(decode_filter(filter_option(Filter{24, 0, ipv4_mapped({10, 0, 0, 0})})).error().code == "malformed");
}

TEST_CASE("PCP parse refuses malformed messages", "[pcp]") {
  auto with = [](std::vector<std::uint8_t> b, std::size_t at, std::uint8_t v) {
    b[at] = v;
    return b;
  };
  CHECK(parse_request({}).error().code == "malformed");
  CHECK(parse_request(hex("02")).error().code == "malformed");
  CHECK(parse_request(with(kMapRequest, 0, 1)).error().code == "unsupported_version");
  // A NAT-PMP server's answer to a PCP request: version 0, UNSUPP_VERSION.
  auto natpmp = parse_response(hex("00 81 00 01 00 00 00 10 00 00 00 00"));
  CHECK(natpmp.error().code == "unsupported_version");
  CHECK(natpmp.error().message.find("NAT-PMP") != std::string::npos);
  CHECK(parse_request(with(kMapRequest, 1, 2)).error().code == "unsupported");   // PEER
  CHECK(parse_request(with(kMapRequest, 1, 0x7f)).error().code == "unsupported");
  // MAP data cut short: only the header.
  CHECK(parse_request(std::span(kMapRequest).first(kHeaderSize)).error().code == "malformed");
  // Not a multiple of 4, too long.
  auto odd = kMapRequest;
  odd.push_back(0);
  CHECK(parse_request(odd).error().code == "malformed");
  auto big = kMapRequest;
  big.resize(1104, 0);
  CHECK(parse_request(big).error().code == "malformed");
  // Options: truncated header, data beyond the end, padding missing, bad known option.
  auto opt = [](std::string_view tail) {
    auto b = kMapRequest;
    auto t = hex(tail);
    b.insert(b.end(), t.begin(), t.end());
    return b;
  };
  CHECK(parse_request(opt("00 00 00 00")).ok());                 // an empty unknown option
  CHECK(parse_request(opt("80 00 00 08 00 00 00 00")).error().code == "malformed");
  CHECK(parse_request(opt("80 00 00 05 00 00 00 00")).error().code == "malformed");
  CHECK(parse_request(opt("02 00 00 04 00 00 00 00")).error().code == "malformed");  // PREFER_FAILURE with data
  CHECK(parse_request(opt("01 00 00 04 00 00 00 00")).error().code == "malformed");  // THIRD_PARTY of 4
  // Every truncation of a valid message fails, except the one that ends where its
  // options start: that is the same MAP without them.
  Request q = map_request();
  q.options = {filter_option(Filter{128, 1, ipv4_mapped({1, 2, 3, 4})})};
  const auto full = serialize_request(q);
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto r = parse_request(std::span(full).first(n));
    CHECK(r.ok() == (n == kHeaderSize + kMapSize));
    if (r.ok()) CHECK(*r == map_request());
  }
}

TEST_CASE("PCP serialize refuses what cannot be sent", "[pcp]") {
  Request q = map_request();
  q.map.reset();
  CHECK(serialize_request(q).empty());  // MAP without its data
  Request announce;
  announce.opcode = Opcode::announce;
  announce.map = MapData{};
  CHECK(serialize_request(announce).empty());
  Request peer = map_request();
  peer.opcode = Opcode::peer;
  CHECK(serialize_request(peer).empty());
  Request big = map_request();
  big.options = {Option{0x80, std::vector<std::uint8_t>(1100 - 60 - 4 + 1)}};
  CHECK(serialize_request(big).empty());  // 1101 bytes
  big.options = {Option{0x80, std::vector<std::uint8_t>(1100 - 60 - 4)}};
  CHECK(serialize_request(big).size() == 1100);
  Response a;
  a.opcode = Opcode::map;
  CHECK(serialize_response(a).empty());
}
