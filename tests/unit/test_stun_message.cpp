// STUN message framing: message types, header and layout checks, trailer rules,
// serialization lengths, classic RFC 3489 messages.
#include <catch2/catch.hpp>

#include "core/proto/byte_writer.hpp"
#include "core/proto/stun_address.hpp"
#include "core/proto/stun_attributes.hpp"
#include "core/proto/stun_integrity.hpp"
#include "core/proto/stun_message.hpp"
#include "core/proto/stun_names.hpp"
#include "test_stun_util.hpp"

using namespace p2pd::proto::stun;
using namespace p2pd::proto::stun::testing;
using p2pd::proto::ByteWriter;

namespace {

// A header and raw attribute bytes, with the length field set to what follows.
std::vector<std::uint8_t> raw_message(std::vector<std::uint8_t> body, std::uint32_t cookie = kMagicCookie) {
  ByteWriter w;
  w.u16(0x0001);
  w.u16(static_cast<std::uint16_t>(body.size()));
  w.u32(cookie);
  for (std::uint8_t i = 0; i < 12; ++i) w.u8(i);
  w.bytes(body);
  return w.take();
}

std::vector<std::uint8_t> with_zeros(std::vector<std::uint8_t> bytes, std::size_t n) {
  bytes.insert(bytes.end(), n, 0);
  return bytes;
}

std::string parse_error(const std::vector<std::uint8_t>& bytes) {
  auto m = parse(bytes);
  if (m.ok()) return "parsed";
  CHECK(m.error().code == "malformed");
  return m.error().message;
}

Message sample() {
  Message m;
  m.message_class = MessageClass::request;
  m.transaction_id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  add_text(m, attr::software, "p2pd");
  return m;
}

}  // namespace

TEST_CASE("STUN message type interleaves method and class bits", "[stun]") {
  struct Case {
    Method method;
    MessageClass cls;
    std::uint16_t type;
  };
  for (const Case& c : {
           Case{method::binding, MessageClass::request, 0x0001},
           Case{method::binding, MessageClass::indication, 0x0011},
           Case{method::binding, MessageClass::success_response, 0x0101},
           Case{method::binding, MessageClass::error_response, 0x0111},
           Case{0x003, MessageClass::request, 0x0003},           // TURN Allocate
           Case{0x003, MessageClass::error_response, 0x0113},
           Case{0x006, MessageClass::indication, 0x0016},        // TURN Send
           Case{0x009, MessageClass::success_response, 0x0109},  // TURN ChannelBind
           Case{0xFFF, MessageClass::error_response, 0x3FFF},
           Case{0x080, MessageClass::request, 0x0200},
       }) {
    INFO("type " << c.type);
    CHECK(message_type(c.method, c.cls) == c.type);
    CHECK(method_of(c.type) == c.method);
    CHECK(class_of(c.type) == c.cls);
  }
}

TEST_CASE("STUN header checks", "[stun]") {
  auto ok = serialize(sample());
  REQUIRE(parse(ok).ok());

  SECTION("truncated header") {
    CHECK(parse_error({}) == "shorter than a STUN header");
    CHECK(parse_error(std::vector<std::uint8_t>(ok.begin(), ok.begin() + 19)) == "shorter than a STUN header");
  }
  SECTION("top two bits") {
    auto bad = ok;
    bad[0] |= 0x80;
    CHECK(parse_error(bad) == "first two bits are not zero");
    bad = ok;
    bad[0] |= 0x40;
    CHECK(parse_error(bad) == "first two bits are not zero");
  }
  SECTION("length not a multiple of 4") {
    auto bad = ok;
    bad.push_back(0);
    bad[3] += 1;
    CHECK(parse_error(bad) == "length is not a multiple of 4");
  }
  SECTION("length does not match the datagram") {
    auto longer = ok;
    longer.insert(longer.end(), 4, 0);  // trailing bytes the length does not cover
    CHECK(parse_error(longer) == "length field does not match the message size");
    auto shorter = ok;
    shorter.resize(shorter.size() - 4);  // truncated datagram
    CHECK(parse_error(shorter) == "length field does not match the message size");
  }
  SECTION("header only") {
    auto m = parse(raw_message({}));
    REQUIRE(m.ok());
    CHECK(m->attributes.empty());
  }
}

TEST_CASE("STUN attribute layout checks", "[stun]") {
  SECTION("attribute running past the message") {
    // SOFTWARE claims 8 bytes, 4 are there.
    CHECK(parse_error(raw_message(hex("80 22 00 08 61 62 63 64"))) == "SOFTWARE runs past the end of the message");
  }
  SECTION("unpadded attribute") {
    // SOFTWARE "hello" (5 bytes) directly followed by the next attribute header: the
    // parser skips 3 bytes of padding into it and the rest no longer adds up.
    auto bytes = raw_message(hex("80 22 00 05 68 65 6c 6c 6f 80 22 00 03 61 62 63"));
    CHECK(parse_error(bytes) != "parsed");
  }
  SECTION("odd value sizes are fine with padding") {
    for (std::size_t n = 0; n <= 9; ++n) {
      Message m = sample();
      m.add(0x7F01, std::vector<std::uint8_t>(n, 0xAB));
      auto bytes = serialize(m);
      CHECK(bytes.size() % 4 == 0);
      auto back = parse(bytes);
      REQUIRE(back.ok());
      CHECK(*back == m);
    }
  }
  SECTION("padding bytes are ignored") {
    auto bytes = raw_message(hex("80 22 00 01 61 ff ff ff"));
    auto m = parse(bytes);
    REQUIRE(m.ok());
    CHECK(get_software(*m).value() == "a");
  }
  SECTION("odd sizes of the trailer attributes") {
    CHECK(parse_error(raw_message(with_zeros(hex("00 08 00 10"), 16))) ==
          "MESSAGE-INTEGRITY is not 20 bytes");
    CHECK(parse_error(raw_message(with_zeros(hex("00 08 00 13"), 20))) ==
          "MESSAGE-INTEGRITY is not 20 bytes");
    CHECK(parse_error(raw_message(with_zeros(hex("00 1c 00 0c"), 12))) ==
          "MESSAGE-INTEGRITY-SHA256 is not 16-32 bytes in steps of 4");
    CHECK(parse_error(raw_message(with_zeros(hex("00 1c 00 24"), 36))) ==
          "MESSAGE-INTEGRITY-SHA256 is not 16-32 bytes in steps of 4");
    CHECK(parse_error(raw_message(with_zeros(hex("00 1c 00 12"), 20))) ==
          "MESSAGE-INTEGRITY-SHA256 is not 16-32 bytes in steps of 4");
    CHECK(parse_error(raw_message(hex("80 28 00 08 00 00 00 00 00 00 00 00"))) == "FINGERPRINT is not 4 bytes");
    CHECK(parse_error(raw_message(hex("80 28 00 02 00 00 00 00"))) == "FINGERPRINT is not 4 bytes");
  }
}

TEST_CASE("STUN trailer order", "[stun]") {
  const std::vector<std::uint8_t> key = short_term_key("secret");

  SECTION("attribute after FINGERPRINT") {
    SerializeOptions o;
    o.fingerprint = true;
    auto bytes = serialize(sample(), o);
    bytes.insert(bytes.end(), {0x80, 0x22, 0x00, 0x00});
    bytes[3] += 4;
    CHECK(parse_error(bytes) == "SOFTWARE after FINGERPRINT");
  }
  SECTION("FINGERPRINT twice") {
    SerializeOptions o;
    o.fingerprint = true;
    auto bytes = serialize(sample(), o);
    append_fingerprint(bytes);
    CHECK(parse_error(bytes) != "parsed");
  }
  SECTION("attribute after MESSAGE-INTEGRITY") {
    SerializeOptions o;
    o.integrity_key = key;
    auto bytes = serialize(sample(), o);
    bytes.insert(bytes.end(), {0x80, 0x22, 0x00, 0x00});
    bytes[3] += 4;
    CHECK(parse_error(bytes) == "SOFTWARE after MESSAGE-INTEGRITY(-SHA256)");
  }
  SECTION("MESSAGE-INTEGRITY after MESSAGE-INTEGRITY-SHA256") {
    SerializeOptions o;
    o.integrity_sha256_key = key;
    auto bytes = serialize(sample(), o);
    REQUIRE(append_integrity(bytes, IntegrityAlgorithm::sha1, key));
    CHECK(parse_error(bytes) == "MESSAGE-INTEGRITY after MESSAGE-INTEGRITY(-SHA256)");
  }
  SECTION("MESSAGE-INTEGRITY twice") {
    SerializeOptions o;
    o.integrity_key = key;
    auto bytes = serialize(sample(), o);
    REQUIRE(append_integrity(bytes, IntegrityAlgorithm::sha1, key));
    CHECK(parse_error(bytes) == "MESSAGE-INTEGRITY after MESSAGE-INTEGRITY(-SHA256)");
  }
  SECTION("all three, in order") {
    SerializeOptions o;
    o.integrity_key = key;
    o.integrity_sha256_key = key;
    o.fingerprint = true;
    auto bytes = serialize(sample(), o);
    auto m = parse(bytes);
    REQUIRE(m.ok());
    REQUIRE(m->attributes.size() == 4);
    CHECK(m->attributes[1].type == attr::message_integrity);
    CHECK(m->attributes[2].type == attr::message_integrity_sha256);
    CHECK(m->attributes[2].value.size() == 32);
    CHECK(m->attributes[3].type == attr::fingerprint);
  }
}

TEST_CASE("STUN serialize writes lengths and skips trailer attributes", "[stun]") {
  Message m = sample();
  auto plain = serialize(m);
  REQUIRE(plain.size() == 20 + 8);
  CHECK(plain[2] == 0);
  CHECK(plain[3] == 8);
  CHECK(plain[4] == 0x21);

  // Trailer attributes in the list (as parse leaves them) are not copied.
  Message with_trailer = m;
  with_trailer.add(attr::message_integrity, std::vector<std::uint8_t>(20, 0));
  with_trailer.add(attr::fingerprint, std::vector<std::uint8_t>(4, 0));
  CHECK(serialize(with_trailer) == plain);

  SerializeOptions o;
  o.fingerprint = true;
  auto fp = serialize(with_trailer, o);
  CHECK(fp.size() == plain.size() + 8);
  CHECK(fp[3] == 16);
  CHECK(parse(fp).ok());
}

TEST_CASE("STUN serialize refuses what the length field cannot hold", "[stun]") {
  Message m = sample();
  m.add(0x7F01, std::vector<std::uint8_t>(0x10000, 1));
  CHECK(serialize(m).empty());

  Message big = sample();
  big.add(0x7F01, std::vector<std::uint8_t>(0xFFF4, 1));  // 8 + 4 + 65524 = 65536
  CHECK(serialize(big).empty());

  Message fits = sample();  // 8 + 4 + 65512 = 65524: room for FINGERPRINT, not for more
  fits.add(0x7F01, std::vector<std::uint8_t>(65512, 1));
  auto bytes = serialize(fits);
  REQUIRE(bytes.size() == 20 + 65524);
  CHECK(parse(bytes).ok());
  SerializeOptions o;
  o.fingerprint = true;
  CHECK_FALSE(serialize(fits, o).empty());
  o.integrity_key = short_term_key("x");
  CHECK(serialize(fits, o).empty());
}

TEST_CASE("STUN unknown attributes are preserved in order", "[stun]") {
  Message m = sample();
  m.add(0x7FFF, hex("01 02 03"));
  m.add(0xC001, hex(""));
  m.add(0x7FFF, hex("04"));
  m.add(attr::software, bytes_of("second"));
  auto back = parse(serialize(m));
  REQUIRE(back.ok());
  CHECK(*back == m);
  CHECK(back->find(0x7FFF)->value == hex("01 02 03"));
  CHECK(get_software(*back).value() == "p2pd");  // the first one
}

TEST_CASE("STUN classic RFC 3489 message", "[stun]") {
  // A Binding response from an RFC 3489 server: 128-bit transaction id (no cookie),
  // MAPPED-ADDRESS 198.51.100.7:40000, SOURCE-ADDRESS 203.0.113.1:3478,
  // CHANGED-ADDRESS 203.0.113.2:3479.
  const auto bytes = hex(R"(01 01 00 24 a1 b2 c3 d4 00 11 22 33 44 55 66 77 88 99 aa bb
                            00 01 00 08 00 01 9c 40 c6 33 64 07
                            00 04 00 08 00 01 0d 96 cb 00 71 01
                            00 05 00 08 00 01 0d 97 cb 00 71 02)");
  auto m = parse(bytes);
  REQUIRE(m.ok());
  CHECK(m->is_classic());
  CHECK(m->cookie == 0xa1b2c3d4u);
  CHECK(m->message_class == MessageClass::success_response);
  CHECK(m->method == method::binding);
  CHECK(get_mapped_address(*m).value() == Address::v4({198, 51, 100, 7}, 40000));
  CHECK(get_address(*m, attr::source_address).value() == Address::v4({203, 0, 113, 1}, 3478));
  CHECK(get_address(*m, attr::changed_address).value() == Address::v4({203, 0, 113, 2}, 3479));
  CHECK(serialize(*m) == bytes);

  // XOR attributes do not belong in a classic message.
  Message x = *m;
  x.add(attr::xor_mapped_address, hex("00 01 a1 47 e1 12 a6 43"));
  auto xor_read = get_xor_address(x, attr::xor_mapped_address);
  REQUIRE_FALSE(xor_read.ok());
  CHECK(xor_read.error().code == "malformed");
  CHECK(get_mapped_address(x).value() == Address::v4({198, 51, 100, 7}, 40000));

  // A classic request with CHANGE-REQUEST, built and read back.
  Message req;
  req.cookie = 0x01020304;
  req.transaction_id = {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  add_change_request(req, {true, true});
  auto back = parse(serialize(req));
  REQUIRE(back.ok());
  CHECK(back->is_classic());
  CHECK(*back == req);
  CHECK(get_change_request(*back).value() == ChangeRequest{true, true});
}

TEST_CASE("STUN names for logs", "[stun]") {
  CHECK(attribute_name(attr::xor_mapped_address) == "XOR-MAPPED-ADDRESS");
  CHECK(attribute_name(attr::message_integrity_sha256) == "MESSAGE-INTEGRITY-SHA256");
  CHECK(attribute_name(0x7f01) == "0x7F01");
  CHECK(method_name(method::binding) == "Binding");
  CHECK(method_name(0x003) == "Allocate");  // TURN methods are named too
  CHECK(method_name(0x0FF) == "0x00FF");
  CHECK(class_name(MessageClass::error_response) == "error response");
}
