// Round trips for every typed STUN attribute, through a whole message, plus the
// malformed values each decoder rejects.
#include <catch2/catch.hpp>

#include "core/proto/stun_address.hpp"
#include "core/proto/stun_attributes.hpp"
#include "core/proto/stun_crypto.hpp"
#include "core/proto/stun_integrity.hpp"
#include "core/proto/stun_message.hpp"
#include "test_stun_util.hpp"

using namespace p2pd::proto::stun;
using namespace p2pd::proto::stun::testing;

namespace {

const Address kV4 = Address::v4({203, 0, 113, 45}, 51234);
const Address kV6 = Address::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd}, 443);

Message through_the_wire(const Message& m, const SerializeOptions& o = {}) {
  auto bytes = serialize(m, o);
  REQUIRE_FALSE(bytes.empty());
  auto back = parse(bytes);
  REQUIRE(back.ok());
  return *back;
}

Message with_id() {
  Message m;
  m.message_class = MessageClass::success_response;
  m.transaction_id = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8};
  return m;
}

}  // namespace

TEST_CASE("STUN address attributes round trip", "[stun]") {
  Message m = with_id();
  for (const Address& a : {kV4, kV6}) {
    for (std::uint16_t type : {attr::mapped_address, attr::response_origin, attr::other_address,
                               attr::changed_address, attr::source_address, attr::alternate_server}) {
      Message one = with_id();
      add_address(one, type, a);
      Message back = through_the_wire(one);
      INFO("type " << type);
      CHECK(get_address(back, type).value() == a);
    }
    Message x = with_id();
    add_xor_address(x, attr::xor_mapped_address, a);
    Message back = through_the_wire(x);
    CHECK(get_xor_address(back, attr::xor_mapped_address).value() == a);
    CHECK(get_mapped_address(back).value() == a);
    // The XOR form is not the plain form.
    CHECK(back.find(attr::xor_mapped_address)->value != encode_address(a));
  }
  CHECK(encode_address(kV4) == hex("00 01 c8 22 cb 00 71 2d"));
  CHECK(encode_address(kV4).size() == 8);
  CHECK(encode_address(kV6).size() == 20);
}

TEST_CASE("STUN address values are checked", "[stun]") {
  const TransactionId id{};
  CHECK(decode_address(hex("00 01 00 50")).error().message == "address length does not fit its family");
  CHECK(decode_address(hex("00 01 00")).error().message == "address shorter than 4 bytes");
  CHECK(decode_address(hex("00 03 00 50 01 02 03 04")).error().message == "unknown address family");
  CHECK(decode_address(hex("00 00 00 50 01 02 03 04")).error().code == "malformed");
  // v4 family with a v6-sized address and the other way round.
  CHECK_FALSE(decode_address(hex("00 01 00 50 " + std::string(32, '0'))).ok());
  CHECK_FALSE(decode_address(hex("00 02 00 50 01 02 03 04")).ok());
  CHECK_FALSE(decode_address(hex("00 01 00 50 01 02 03 04 05 06 07 08")).ok());
  // The same checks apply to the XOR form.
  CHECK(decode_xor_address(hex("00 03 a1 47 e1 12 a6 43"), id).error().message == "unknown address family");
  CHECK(decode_xor_address(hex("00 02 a1 47 e1 12 a6 43"), id).error().code == "malformed");
  // The reserved first byte is ignored.
  CHECK(decode_address(hex("ff 01 00 50 01 02 03 04")).value() == Address::v4({1, 2, 3, 4}, 80));

  // Through a message: a bad XOR-MAPPED-ADDRESS names itself; a missing one is not_found.
  Message m = with_id();
  m.add(attr::xor_mapped_address, hex("00 03 a1 47 e1 12 a6 43"));
  auto r = get_xor_address(m, attr::xor_mapped_address);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "malformed");
  CHECK(r.error().message == "XOR-MAPPED-ADDRESS: unknown address family");
  CHECK(get_address(m, attr::mapped_address).error().code == "not_found");
  CHECK(get_mapped_address(with_id()).error().code == "not_found");
}

TEST_CASE("STUN text attributes round trip", "[stun]") {
  Message m = with_id();
  add_text(m, attr::software, "p2pd 0.1");
  add_text(m, attr::username, "alice:bob");
  add_text(m, attr::realm, "example.org");
  add_text(m, attr::nonce, "abc");
  add_text(m, 0x8FFF, "");
  Message back = through_the_wire(m);
  CHECK(back == m);
  CHECK(get_software(back).value() == "p2pd 0.1");
  CHECK(get_username(back).value() == "alice:bob");
  CHECK(get_realm(back).value() == "example.org");
  CHECK(get_nonce(back).value() == "abc");
  CHECK(get_text(back, 0x8FFF).value().empty());

  Message big = with_id();
  add_text(big, attr::username, std::string(513, 'u'));
  add_text(big, attr::realm, std::string(764, 'r'));
  add_text(big, attr::software, std::string(763, 's'));
  CHECK(get_username(big).error().code == "malformed");
  CHECK(get_realm(big).error().message == "REALM: longer than 763 bytes");
  CHECK(get_software(big).ok());
  CHECK(get_nonce(big).error().code == "not_found");
}

TEST_CASE("STUN integer attributes round trip", "[stun]") {
  Message m = with_id();
  add_u32(m, attr::priority, 0x6e0001ff);
  add_u64(m, attr::ice_controlling, 0x0102030405060708ull);
  Message back = through_the_wire(m);
  CHECK(get_u32(back, attr::priority).value() == 0x6e0001ffu);
  CHECK(get_u64(back, attr::ice_controlling).value() == 0x0102030405060708ull);
  CHECK(get_u32(back, attr::ice_controlling).error().message == "ICE-CONTROLLING: not 4 bytes");
  CHECK(get_u64(back, attr::priority).error().code == "malformed");
}

TEST_CASE("STUN ERROR-CODE round trips", "[stun]") {
  for (std::uint16_t code : {300, 400, 401, 420, 438, 500, 699}) {
    for (std::string reason : {"", "x", "Bad", "Stale", "Unauthorized!"}) {
      Message m = with_id();
      m.message_class = MessageClass::error_response;
      add_error_code(m, {code, reason});
      Message back = through_the_wire(m);
      auto e = get_error_code(back);
      REQUIRE(e.ok());
      CHECK(e->code == code);
      CHECK(e->reason == reason);
    }
  }
  CHECK(encode_error_code({420, "Unknown"}) == hex("00 00 04 14 55 6e 6b 6e 6f 77 6e"));
  CHECK(decode_error_code(hex("00 00 02 00")).error().message == "code outside 300-699");
  CHECK(decode_error_code(hex("00 00 07 00")).error().code == "malformed");
  CHECK(decode_error_code(hex("00 00 04 64")).error().code == "malformed");  // number 100
  CHECK(decode_error_code(hex("00 00 04")).error().message == "shorter than 4 bytes");
  CHECK(decode_error_code(hex("ff ff fc 1a")).value().code == 426);  // reserved bits ignored
}

TEST_CASE("STUN UNKNOWN-ATTRIBUTES round trips", "[stun]") {
  for (std::size_t n = 0; n <= 5; ++n) {
    std::vector<std::uint16_t> types;
    for (std::size_t i = 0; i < n; ++i) types.push_back(static_cast<std::uint16_t>(0x7F00 + i));
    Message m = with_id();
    add_unknown_attributes(m, types);
    Message back = through_the_wire(m);
    CHECK(get_unknown_attributes(back).value() == types);
  }
  CHECK(decode_unknown_attributes(hex("00 01 00")).error().message == "odd length");
}

TEST_CASE("STUN unknown comprehension-required attributes are found", "[stun]") {
  Message m = with_id();
  add_text(m, attr::username, "u");
  m.add(0x7001, hex("00"));
  m.add(0x8001, hex("00"));  // optional: never reported
  m.add(0x7002, hex("00"));
  m.add(0x7001, hex("00"));
  m.add(attr::message_integrity, std::vector<std::uint8_t>(20, 0));
  const std::uint16_t understood[] = {attr::username};
  CHECK(unknown_required_attributes(m, understood) == std::vector<std::uint16_t>{0x7001, 0x7002});
}

TEST_CASE("STUN CHANGE-REQUEST and RESPONSE-PORT round trip", "[stun]") {
  for (bool ip : {false, true}) {
    for (bool port : {false, true}) {
      Message m = with_id();
      add_change_request(m, {ip, port});
      Message back = through_the_wire(m);
      CHECK(get_change_request(back).value() == ChangeRequest{ip, port});
    }
  }
  CHECK(encode_change_request({true, false}) == hex("00 00 00 04"));
  CHECK(encode_change_request({false, true}) == hex("00 00 00 02"));
  CHECK(decode_change_request(hex("00 00 06")).error().code == "malformed");

  Message m = with_id();
  add_response_port(m, 40001);
  Message back = through_the_wire(m);
  CHECK(get_response_port(back).value() == 40001);
  CHECK(back.find(attr::response_port)->value == hex("9c 41 00 00"));
  CHECK(decode_response_port(hex("9c 41")).error().code == "malformed");
}

TEST_CASE("STUN integrity and fingerprint round trip", "[stun]") {
  const auto key = short_term_key("pass");
  const auto other = short_term_key("word");
  Message m = with_id();
  add_xor_address(m, attr::xor_mapped_address, kV4);
  add_text(m, attr::software, "odd");

  struct Case {
    bool sha1, sha256, fingerprint;
  };
  for (const Case& c : {Case{true, false, false}, Case{false, true, false}, Case{true, true, false},
                        Case{true, false, true}, Case{false, true, true}, Case{true, true, true},
                        Case{false, false, true}}) {
    SerializeOptions o;
    if (c.sha1) o.integrity_key = key;
    if (c.sha256) o.integrity_sha256_key = key;
    o.fingerprint = c.fingerprint;
    auto bytes = serialize(m, o);
    auto back = parse(bytes);
    REQUIRE(back.ok());
    CHECK(without_trailer(*back) == m);
    CHECK(back->has(attr::message_integrity) == c.sha1);
    CHECK(back->has(attr::message_integrity_sha256) == c.sha256);
    CHECK(back->has(attr::fingerprint) == c.fingerprint);
    if (c.sha1) CHECK(verify_integrity(bytes, key, IntegrityAlgorithm::sha1).ok());
    if (c.sha256) CHECK(verify_integrity(bytes, key, IntegrityAlgorithm::sha256).ok());
    auto strongest = verify_integrity(bytes, key);
    if (c.sha1 || c.sha256) {
      REQUIRE(strongest.ok());
      CHECK(*strongest == (c.sha256 ? IntegrityAlgorithm::sha256 : IntegrityAlgorithm::sha1));
      CHECK(verify_integrity(bytes, other).error().code == "integrity_mismatch");
    } else {
      CHECK(strongest.error().code == "integrity_missing");
    }
  }
}

TEST_CASE("STUN truncated MESSAGE-INTEGRITY-SHA256 verifies", "[stun]") {
  // RFC 8489 §14.6: the MAC may be cut to 16, 20, 24 or 28 bytes; the length field used
  // for the HMAC then covers the shorter attribute. Built here by hand from the HMAC.
  const auto key = short_term_key("pass");
  Message m = with_id();
  add_text(m, attr::software, "t");
  for (std::size_t n : {16, 20, 24, 28, 32}) {
    auto bytes = serialize(m);
    bytes[3] = static_cast<std::uint8_t>(bytes[3] + 4 + n);
    Sha256Digest mac;
    REQUIRE(hmac_sha256(key, bytes, mac));
    bytes.insert(bytes.end(), {0x00, 0x1c, 0x00, static_cast<std::uint8_t>(n)});
    bytes.insert(bytes.end(), mac.begin(), mac.begin() + static_cast<std::ptrdiff_t>(n));
    INFO("n = " << n);
    REQUIRE(parse(bytes).ok());
    auto r = verify_integrity(bytes, key);
    REQUIRE(r.ok());
    CHECK(*r == IntegrityAlgorithm::sha256);
    bytes.back() ^= 1;
    CHECK(verify_integrity(bytes, key).error().code == "integrity_mismatch");
  }
}
