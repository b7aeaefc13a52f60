// fuzz_signal: the signaling codecs (core/proto/signal_message, signal_record). For any
// input, each of parse (plaintext), unwrap (envelope) and parse_record returns without
// crashing, and what it accepts is canonical: serializing the value gives the input back
// (so a message cannot be re-spelled past the replay guard), and the signed bytes are the
// serialized bytes before the signature, after the signing context.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/proto/signal_message.hpp"
#include "core/proto/signal_record.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace p2pd::proto::signaling;

namespace {

template <typename Context>
void check_signed(const std::vector<std::uint8_t>& signed_part, const Context& context,
                  std::span<const std::uint8_t> input) {
  FUZZ_CHECK(signed_part.size() == context.size() + input.size() - 64);
  FUZZ_CHECK(std::equal(context.begin(), context.end(), signed_part.begin(),
                        [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; }));
  FUZZ_CHECK(std::equal(input.begin(), input.end() - 64, signed_part.begin() + context.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);

  if (auto m = parse(input)) {
    FUZZ_CHECK(valid_type(m->type));
    FUZZ_CHECK(m->payload.size() <= kMaxPayload);
    const auto bytes = serialize(*m);
    FUZZ_CHECK(std::equal(bytes.begin(), bytes.end(), input.begin(), input.end()));
    check_signed(signed_bytes(*m), kSignatureContext, input);
    FUZZ_CHECK(!kind_name(m->kind).empty());
  } else {
    FUZZ_CHECK(m.error().code == "malformed");
  }

  if (auto sealed = unwrap(input)) {
    const auto bytes = wrap(*sealed);
    FUZZ_CHECK(std::equal(bytes.begin(), bytes.end(), input.begin(), input.end()));
  }

  if (auto r = parse_record(input)) {
    FUZZ_CHECK(!r->address.empty() && r->address.size() <= kMaxRecordAddress);
    const auto bytes = serialize_record(*r);
    FUZZ_CHECK(std::equal(bytes.begin(), bytes.end(), input.begin(), input.end()));
    check_signed(record_signed_bytes(*r), kRecordContext, input);
  } else {
    FUZZ_CHECK(r.error().code == "malformed");
  }
  return 0;
}
