// fuzz_portmap: the PCP (core/proto/pcp_*) and NAT-PMP (core/proto/natpmp_message)
// codecs. For any input, read as each kind of message:
//  - a PCP request or response that parses serializes to the same size and parses back
//    to the same value (only reserved bits may differ), never over 1100 bytes;
//  - every option of a known code that parse accepted decodes;
//  - a NAT-PMP request or response that parses serializes and parses back to the same
//    value; a request serializes to exactly its input size.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/proto/natpmp_message.hpp"
#include "core/proto/pcp_message.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace p2pd::proto;

namespace {

void check_options(const std::vector<pcp::Option>& options) {
  for (const pcp::Option& o : options) {
    if (o.code == static_cast<std::uint8_t>(pcp::OptionCode::filter)) FUZZ_CHECK(pcp::decode_filter(o).ok());
    if (o.code == static_cast<std::uint8_t>(pcp::OptionCode::third_party))
      FUZZ_CHECK(pcp::decode_third_party(o).ok());
    if (o.code == static_cast<std::uint8_t>(pcp::OptionCode::prefer_failure)) FUZZ_CHECK(o.data.empty());
  }
}

void pcp_request(std::span<const std::uint8_t> input) {
  auto q = pcp::parse_request(input);
  if (!q) return;
  FUZZ_CHECK(q->map.has_value() == (q->opcode == pcp::Opcode::map));
  check_options(q->options);
  auto out = pcp::serialize_request(*q);
  FUZZ_CHECK(out.size() == input.size() && out.size() <= pcp::kMaxMessage);
  auto again = pcp::parse_request(out);
  FUZZ_CHECK(again.ok() && *again == *q);
}

void pcp_response(std::span<const std::uint8_t> input) {
  auto a = pcp::parse_response(input);
  if (!a) return;
  FUZZ_CHECK(a->map.has_value() == (a->opcode == pcp::Opcode::map));
  check_options(a->options);
  (void)pcp::result_name(a->result);
  (void)pcp::is_short_term_error(a->result);
  auto out = pcp::serialize_response(*a);
  FUZZ_CHECK(out.size() == input.size());
  auto again = pcp::parse_response(out);
  FUZZ_CHECK(again.ok() && *again == *a);
}

void natpmp_messages(std::span<const std::uint8_t> input) {
  if (auto q = natpmp::parse_request(input)) {
    auto out = natpmp::serialize_request(*q);
    FUZZ_CHECK(out.size() == input.size());
    auto again = natpmp::parse_request(out);
    FUZZ_CHECK(again.ok() && *again == *q);
  }
  if (auto a = natpmp::parse_response(input)) {
    (void)natpmp::result_name(a->result);
    auto out = natpmp::serialize_response(*a);
    FUZZ_CHECK(out.size() <= input.size() || a->result != 0);
    auto again = natpmp::parse_response(out);
    FUZZ_CHECK(again.ok() && *again == *a);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  pcp_request(input);
  pcp_response(input);
  natpmp_messages(input);
  return 0;
}
