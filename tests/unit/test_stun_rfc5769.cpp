// RFC 5769 test vectors: parse, check integrity and fingerprint, serialize again.
#include <catch2/catch.hpp>

#include "core/proto/stun_address.hpp"
#include "core/proto/stun_attributes.hpp"
#include "core/proto/stun_integrity.hpp"
#include "core/proto/stun_message.hpp"
#include "core/proto/stun_wire.hpp"
#include "test_stun_util.hpp"

using namespace p2pd::proto::stun;
using namespace p2pd::proto::stun::testing;

namespace {

const TransactionId kVectorId = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

std::vector<std::uint8_t> password_key() { return short_term_key(kRfc5769Password); }

// Serializes `parsed` again with the vector's protection and checks the result against
// `vector`: same size, same bytes except padding (the vectors pad with spaces, we pad
// with zeros) and the MESSAGE-INTEGRITY / FINGERPRINT values that cover it; and the new
// integrity and fingerprint check out.
void check_reserialized(const std::vector<std::uint8_t>& vector, const Message& parsed,
                        const std::vector<std::uint8_t>& key, bool fingerprint) {
  SerializeOptions options;
  options.integrity_key = key;
  options.fingerprint = fingerprint;
  const std::vector<std::uint8_t> out = serialize(parsed, options);
  REQUIRE(out.size() == vector.size());

  auto wire = scan(vector);
  REQUIRE(wire.ok());
  std::vector<bool> may_differ(vector.size(), false);
  for (const WireAttribute& a : wire->attributes) {
    const std::size_t end = a.offset + 4 + a.value.size();
    const bool covered = a.type == attr::message_integrity || a.type == attr::fingerprint;
    for (std::size_t i = covered ? a.offset + 4 : end; i < a.offset + 4 + padded_size(a.value.size()); ++i)
      may_differ[i] = true;
  }
  for (std::size_t i = 0; i < vector.size(); ++i) {
    INFO("byte " << i);
    if (!may_differ[i]) CHECK(out[i] == vector[i]);
  }

  auto again = parse(out);
  REQUIRE(again.ok());
  CHECK(without_trailer(*again) == without_trailer(parsed));
  CHECK(again->has(attr::message_integrity));
  CHECK(again->has(attr::fingerprint) == fingerprint);
  auto alg = verify_integrity(out, key);
  REQUIRE(alg.ok());
  CHECK(*alg == IntegrityAlgorithm::sha1);
}

}  // namespace

TEST_CASE("RFC 5769 2.1 sample request", "[stun][rfc5769]") {
  const auto bytes = rfc5769_request();
  REQUIRE(bytes.size() == 108);
  auto m = parse(bytes);
  REQUIRE(m.ok());
  CHECK(m->message_class == MessageClass::request);
  CHECK(m->method == method::binding);
  CHECK_FALSE(m->is_classic());
  CHECK(m->transaction_id == kVectorId);
  REQUIRE(m->attributes.size() == 6);
  CHECK(m->attributes[0].type == attr::software);
  CHECK(m->attributes[1].type == attr::priority);
  CHECK(m->attributes[2].type == attr::ice_controlled);
  CHECK(m->attributes[3].type == attr::username);
  CHECK(m->attributes[4].type == attr::message_integrity);
  CHECK(m->attributes[5].type == attr::fingerprint);

  CHECK(get_software(*m).value() == "STUN test client");
  CHECK(get_username(*m).value() == "evtj:h6vY");
  CHECK(get_u32(*m, attr::priority).value() == 0x6e0001ffu);
  CHECK(get_u64(*m, attr::ice_controlled).value() == 0x932ff9b151263b36ull);

  auto alg = verify_integrity(bytes, password_key());
  REQUIRE(alg.ok());
  CHECK(*alg == IntegrityAlgorithm::sha1);
  CHECK(verify_integrity(bytes, password_key(), IntegrityAlgorithm::sha1).ok());
  auto wrong = verify_integrity(bytes, short_term_key("VOkJxbRl1RmTxUk/WvJxBT"));
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().code == "integrity_mismatch");
  auto no_sha256 = verify_integrity(bytes, password_key(), IntegrityAlgorithm::sha256);
  REQUIRE_FALSE(no_sha256.ok());
  CHECK(no_sha256.error().code == "integrity_missing");

  check_reserialized(bytes, *m, password_key(), true);
}

TEST_CASE("RFC 5769 2.2 sample IPv4 response", "[stun][rfc5769]") {
  const auto bytes = rfc5769_ipv4_response();
  auto m = parse(bytes);
  REQUIRE(m.ok());
  CHECK(m->message_class == MessageClass::success_response);
  CHECK(m->method == method::binding);
  CHECK(m->transaction_id == kVectorId);
  CHECK(get_software(*m).value() == "test vector");
  auto mapped = get_xor_address(*m, attr::xor_mapped_address);
  REQUIRE(mapped.ok());
  CHECK(*mapped == Address::v4({192, 0, 2, 1}, 32853));
  CHECK(get_mapped_address(*m).value() == *mapped);
  CHECK(verify_integrity(bytes, password_key()).ok());
  check_reserialized(bytes, *m, password_key(), true);
}

TEST_CASE("RFC 5769 2.3 sample IPv6 response", "[stun][rfc5769]") {
  const auto bytes = rfc5769_ipv6_response();
  auto m = parse(bytes);
  REQUIRE(m.ok());
  CHECK(m->message_class == MessageClass::success_response);
  auto mapped = get_xor_address(*m, attr::xor_mapped_address);
  REQUIRE(mapped.ok());
  CHECK(*mapped == Address::v6({0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x00, 0x11, 0x22, 0x33,
                                0x44, 0x55, 0x66, 0x77},
                               32853));
  CHECK(verify_integrity(bytes, password_key()).ok());
  check_reserialized(bytes, *m, password_key(), true);
}

TEST_CASE("RFC 5769 2.4 long-term credentials", "[stun][rfc5769]") {
  const auto bytes = rfc5769_long_term_request();
  auto m = parse(bytes);
  REQUIRE(m.ok());
  CHECK(m->message_class == MessageClass::request);
  CHECK(m->transaction_id ==
        TransactionId{0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e});
  CHECK(get_username(*m).value() == kRfc5769LongTermUser);
  CHECK(get_nonce(*m).value() == kRfc5769Nonce);
  CHECK(get_realm(*m).value() == kRfc5769Realm);
  CHECK_FALSE(m->has(attr::fingerprint));

  auto key = long_term_key(kRfc5769LongTermUser, kRfc5769Realm, kRfc5769LongTermPassword);
  REQUIRE(key.ok());
  CHECK(key->size() == 16);
  CHECK(verify_integrity(bytes, *key).ok());
  auto other = long_term_key(kRfc5769LongTermUser, kRfc5769Realm, "TheMatrix");
  REQUIRE(other.ok());
  CHECK(verify_integrity(bytes, *other).error().code == "integrity_mismatch");

  // The vector pads with zeros, as we do: serialization reproduces it byte for byte.
  SerializeOptions options;
  options.integrity_key = *key;
  CHECK(serialize(*m, options) == bytes);
}

TEST_CASE("RFC 5769 vectors are rejected once altered", "[stun][rfc5769]") {
  for (const auto& vector : {rfc5769_request(), rfc5769_ipv4_response(), rfc5769_ipv6_response()}) {
    // A flipped bit in an attribute value breaks the FINGERPRINT: parse rejects it.
    auto bytes = vector;
    bytes[30] ^= 0x01;
    auto m = parse(bytes);
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().code == "malformed");
    CHECK(m.error().message == "FINGERPRINT does not match");
    // A flipped bit in the FINGERPRINT itself.
    bytes = vector;
    bytes.back() ^= 0x80;
    CHECK_FALSE(parse(bytes).ok());
  }
  // Without a FINGERPRINT, a change shows up in the integrity check.
  auto bytes = rfc5769_long_term_request();
  bytes[60] ^= 0x01;
  REQUIRE(parse(bytes).ok());
  auto key = long_term_key(kRfc5769LongTermUser, kRfc5769Realm, kRfc5769LongTermPassword);
  CHECK(verify_integrity(bytes, key.value()).error().code == "integrity_mismatch");
}
