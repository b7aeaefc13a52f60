// fuzz_turn: the TURN codec (core/proto/turn_*). For any input:
//  - parse_channel_data accepts only what fits (data inside the input, at most 3 bytes
//    of padding after it) and serializes back to the same header and data;
//  - next_frame, walked over the input as a TCP stream, returns frames that cover the
//    bytes exactly, each STUN frame sized like stun_frame_size and each ChannelData frame
//    parseable once whole;
//  - every TURN attribute decoder either fails or round-trips through its encoder, and
//    the message readers (allocate success, data, connection attempt, error) never read
//    outside the message;
//  - serialize_request with credentials verifies with the same key.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/proto/stun_demux.hpp"
#include "core/proto/stun_integrity.hpp"
#include "core/proto/turn_attributes.hpp"
#include "core/proto/turn_channel_data.hpp"
#include "core/proto/turn_messages.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace p2pd::proto;
using namespace p2pd::proto::turn;

namespace {

constexpr std::uint8_t kKey[] = {'p', '2', 'p', 'd', '-', 't', 'u', 'r', 'n'};

void channel_data(std::span<const std::uint8_t> input) {
  auto cd = parse_channel_data(input);
  if (!cd) return;
  FUZZ_CHECK(input.size() >= kChannelDataHeaderSize + cd->data.size());
  FUZZ_CHECK(input.size() - kChannelDataHeaderSize - cd->data.size() <= 3);
  FUZZ_CHECK(stun::classify_packet(input) != stun::PacketKind::stun);
  auto again = serialize_channel_data(cd->channel, cd->data, Padding::none);
  FUZZ_CHECK(again.size() == kChannelDataHeaderSize + cd->data.size());
  FUZZ_CHECK(std::equal(again.begin(), again.end(), input.begin()));
  auto padded = serialize_channel_data(cd->channel, cd->data, Padding::to_four);
  FUZZ_CHECK(padded.size() % 4 == 0);
  auto frame = next_frame(padded);
  FUZZ_CHECK(frame.ok() && frame->has_value() && (*frame)->size == padded.size());
}

void stream(std::span<const std::uint8_t> input) {
  std::size_t pos = 0;
  while (pos < input.size()) {
    auto rest = input.subspan(pos);
    auto f = next_frame(rest);
    if (!f) return;                             // garbage: the stream would be closed
    if (!f->has_value()) return;                // needs more bytes
    const Frame frame = **f;
    FUZZ_CHECK(frame.size >= 4 && frame.size % 4 == 0);
    if (frame.kind == FrameKind::stun) FUZZ_CHECK(stun::stun_frame_size(rest) == frame.size);
    if (frame.size > rest.size()) return;       // waits for the rest
    if (frame.kind == FrameKind::channel_data) FUZZ_CHECK(parse_channel_data(rest.first(frame.size)).ok());
    pos += frame.size;
  }
  FUZZ_CHECK(pos == input.size());
}

void attribute(const stun::Message& m, const stun::Attribute& a) {
  const std::span<const std::uint8_t> v = a.value;
  if (auto x = decode_channel_number(v)) FUZZ_CHECK(decode_channel_number(encode_channel_number(*x)).value() == *x);
  if (auto x = decode_requested_transport(v)) FUZZ_CHECK(encode_requested_transport(*x)[0] == *x);
  if (auto x = decode_address_family(v)) FUZZ_CHECK(decode_address_family(encode_address_family(*x)).value() == *x);
  if (auto x = decode_even_port(v)) FUZZ_CHECK(decode_even_port(encode_even_port(*x)).value() == *x);
  if (auto x = decode_address_error_code(v))
    FUZZ_CHECK(decode_address_error_code(encode_address_error_code(*x)).value() == *x);
  if (auto x = decode_icmp(v)) FUZZ_CHECK(decode_icmp(encode_icmp(*x)).value() == *x);
  (void)m;
}

void readers(const stun::Message& m) {
  for (const stun::Attribute& a : m.attributes) attribute(m, a);
  if (auto ok = read_allocate_success(m)) FUZZ_CHECK(!ok->relayed.empty() && ok->relayed.size() <= 2);
  if (auto d = read_data_indication(m)) {
    auto data = get_data(m);
    FUZZ_CHECK(d->icmp.has_value() || data.ok());
    if (data.ok()) FUZZ_CHECK(d->data.data() == data->data() && d->data.size() == data->size());
  }
  (void)read_connection_attempt(m);
  if (auto e = read_error_reply(m)) FUZZ_CHECK(e->error.code >= 300 && e->error.code <= 699);
  (void)error_code_name(static_cast<std::uint16_t>(m.attributes.size() * 37 % 700));
  (void)stun::unknown_required_attributes(m, understood_attributes());
}

void authenticated(const stun::Message& m) {
  LongTermCredentials creds{"user", "realm", "nonce", {std::begin(kKey), std::end(kKey)}};
  auto out = serialize_request(m, &creds);
  if (out.empty()) return;  // too big to carry the credentials
  FUZZ_CHECK(stun::verify_integrity(out, kKey, stun::IntegrityAlgorithm::sha1).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  channel_data(input);
  stream(input);
  auto m = stun::parse(input);
  if (!m) return 0;
  readers(*m);
  authenticated(*m);
  return 0;
}
