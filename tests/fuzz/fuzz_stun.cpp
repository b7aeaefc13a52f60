// fuzz_stun: the STUN codec (core/proto/stun_*). For any input:
//  - parse, looks_like_stun, classify_packet, stun_frame_size and verify_integrity return
//    without crashing, and what parses looks like STUN;
//  - a parsed message serializes, parses back to the same message (MESSAGE-INTEGRITY,
//    -SHA256 and FINGERPRINT are recomputed, with a fixed key), verifies, and serializes
//    to the same bytes again;
//  - every typed decoder run on every attribute either fails or round-trips through its
//    encoder.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/proto/stun_address.hpp"
#include "core/proto/stun_attributes.hpp"
#include "core/proto/stun_demux.hpp"
#include "core/proto/stun_integrity.hpp"
#include "core/proto/stun_message.hpp"
#include "core/proto/stun_names.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace p2pd::proto::stun;

namespace {

// The seeds in corpus/fuzz_stun/ with integrity were made with this key.
constexpr std::uint8_t kKey[] = {'p', '2', 'p', 'd', '-', 'f', 'u', 'z', 'z'};

bool is_trailer(std::uint16_t type) {
  return type == attr::message_integrity || type == attr::message_integrity_sha256 ||
         type == attr::fingerprint;
}

Message without_trailer(Message m) {
  std::erase_if(m.attributes, [](const Attribute& a) { return is_trailer(a.type); });
  return m;
}

void decoders_round_trip(const Message& m, const Attribute& a) {
  const std::span<const std::uint8_t> v = a.value;
  (void)attribute_name(a.type);

  if (auto x = decode_address(v)) FUZZ_CHECK(decode_address(encode_address(*x)).value() == *x);
  if (auto x = decode_xor_address(v, m.transaction_id)) {
    auto back = decode_xor_address(encode_xor_address(*x, m.transaction_id), m.transaction_id);
    FUZZ_CHECK(back.ok() && *back == *x);
  }
  if (auto x = decode_error_code(v)) {
    FUZZ_CHECK(x->code >= 300 && x->code <= 699);
    FUZZ_CHECK(decode_error_code(encode_error_code(*x)).value() == *x);
  }
  if (auto x = decode_unknown_attributes(v)) FUZZ_CHECK(encode_unknown_attributes(*x) == a.value);
  if (auto x = decode_change_request(v)) FUZZ_CHECK(decode_change_request(encode_change_request(*x)).value() == *x);
  if (auto x = decode_response_port(v)) FUZZ_CHECK(decode_response_port(encode_response_port(*x)).value() == *x);
}

void typed_getters(const Message& m) {
  (void)get_mapped_address(m);
  (void)get_xor_address(m, attr::xor_mapped_address);
  (void)get_address(m, attr::other_address);
  (void)get_username(m);
  (void)get_realm(m);
  (void)get_nonce(m);
  (void)get_software(m);
  (void)get_error_code(m);
  (void)get_unknown_attributes(m);
  (void)get_change_request(m);
  (void)get_response_port(m);
  (void)get_u32(m, attr::priority);
  (void)get_u64(m, attr::ice_controlling);
  const std::uint16_t understood[] = {attr::username, attr::realm, attr::nonce};
  for (std::uint16_t t : unknown_required_attributes(m, understood)) FUZZ_CHECK(is_comprehension_required(t));
  for (const Attribute& a : m.attributes) decoders_round_trip(m, a);
}

void round_trip(const Message& m) {
  SerializeOptions options;
  std::size_t budget = 0;  // what serialize needs beyond the attributes
  if (m.has(attr::message_integrity)) {
    options.integrity_key.emplace(std::begin(kKey), std::end(kKey));
    budget += 24;
  }
  if (m.has(attr::message_integrity_sha256)) {
    options.integrity_sha256_key.emplace(std::begin(kKey), std::end(kKey));
    budget += 36;
  }
  if (m.has(attr::fingerprint)) {
    options.fingerprint = true;
    budget += 8;
  }
  const Message plain = without_trailer(m);
  std::size_t body = 0;
  for (const Attribute& a : plain.attributes) body += 4 + ((a.value.size() + 3) & ~std::size_t{3});

  const std::vector<std::uint8_t> out = serialize(m, options);
  if (out.empty()) {
    // Only when a truncated MESSAGE-INTEGRITY-SHA256 no longer fits at full size.
    FUZZ_CHECK(body + budget > 0xFFFF);
    return;
  }
  FUZZ_CHECK(out.size() == kHeaderSize + body + budget);
  FUZZ_CHECK(looks_like_stun(out, true));

  auto again = parse(out);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(without_trailer(*again) == plain);
  for (std::uint16_t t : {attr::message_integrity, attr::message_integrity_sha256, attr::fingerprint})
    FUZZ_CHECK(again->has(t) == m.has(t));
  if (options.integrity_key) FUZZ_CHECK(verify_integrity(out, kKey, IntegrityAlgorithm::sha1).ok());
  if (options.integrity_sha256_key) FUZZ_CHECK(verify_integrity(out, kKey, IntegrityAlgorithm::sha256).ok());
  FUZZ_CHECK(serialize(*again, options) == out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const bool looks = looks_like_stun(input, true);
  (void)classify_packet(input);
  if (auto n = stun_frame_size(input)) FUZZ_CHECK(*n >= kHeaderSize && (*n - kHeaderSize) % 4 == 0);

  auto integrity = verify_integrity(input, kKey);
  auto m = parse(input);
  if (!m) {
    FUZZ_CHECK(m.error().code == "malformed");
    FUZZ_CHECK(!integrity.ok() && integrity.error().code == "malformed");
    return 0;
  }
  FUZZ_CHECK(looks);
  FUZZ_CHECK(looks_like_stun(input) == !m->is_classic());
  FUZZ_CHECK(m->has(attr::message_integrity) || m->has(attr::message_integrity_sha256) ||
             integrity.error().code == "integrity_missing");
  (void)method_name(m->method);
  (void)class_name(m->message_class);

  typed_getters(*m);
  round_trip(*m);
  return 0;
}
