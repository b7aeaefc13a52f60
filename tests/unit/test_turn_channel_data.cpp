// ChannelData framing (RFC 8656 §12.4-12.5) and the TCP stream framing of STUN and
// ChannelData frames.
#include <catch2/catch.hpp>

#include "core/proto/stun_demux.hpp"
#include "core/proto/turn_channel_data.hpp"
#include "core/proto/turn_messages.hpp"
#include "test_stun_util.hpp"

using namespace p2pd::proto;
using namespace p2pd::proto::turn;
using p2pd::proto::stun::testing::hex;

TEST_CASE("ChannelData serialize: UDP unpadded, TCP padded to 4", "[turn]") {
  const std::vector<std::uint8_t> data = {0xaa, 0xbb, 0xcc, 0xdd, 0xee};
  CHECK(serialize_channel_data(0x4001, data, Padding::none) == hex("40 01 00 05 aa bb cc dd ee"));
  CHECK(serialize_channel_data(0x4001, data, Padding::to_four) == hex("40 01 00 05 aa bb cc dd ee 00 00 00"));
  CHECK(serialize_channel_data(0x4FFF, {}, Padding::to_four) == hex("4f ff 00 00"));
  // Channel numbers must start with bits 01; data at most 65535 bytes.
  CHECK(serialize_channel_data(0x3FFF, data, Padding::none).empty());
  CHECK(serialize_channel_data(0x8000, data, Padding::none).empty());
  CHECK(serialize_channel_data(0x4000, std::vector<std::uint8_t>(65536), Padding::none).empty());
  CHECK(serialize_channel_data(0x4000, std::vector<std::uint8_t>(65535), Padding::to_four).size() == 4 + 65536);

  std::vector<std::uint8_t> buf = {9};
  CHECK(append_channel_data(buf, 0x4002, data, Padding::none));
  CHECK(buf == hex("09 40 02 00 05 aa bb cc dd ee"));
}

TEST_CASE("ChannelData parse: lengths, padding, truncation", "[turn]") {
  const auto one_bytes = hex("40 01 00 05 aa bb cc dd ee");  // parse results view their input
  auto one = parse_channel_data(one_bytes);
  REQUIRE(one.ok());
  CHECK(one->channel == 0x4001);
  CHECK(std::vector<std::uint8_t>(one->data.begin(), one->data.end()) == hex("aa bb cc dd ee"));
  // Padding (of any value, up to 3 bytes) is accepted on UDP too.
  const auto padded_bytes = hex("40 01 00 05 aa bb cc dd ee 01 02 03");
  auto padded = parse_channel_data(padded_bytes);
  REQUIRE(padded.ok());
  CHECK(padded->data.size() == 5);
  CHECK(parse_channel_data(hex("40 01 00 00")).value().data.empty());

  CHECK(parse_channel_data(hex("40 01 00")).error().code == "malformed");
  CHECK(parse_channel_data(hex("40 01 00 06 aa bb cc dd ee")).error().code == "malformed");
  CHECK(parse_channel_data(hex("40 01 00 01 aa bb cc dd ee")).error().code == "malformed");
  CHECK(parse_channel_data(hex("00 01 00 00")).error().code == "malformed");
  CHECK(parse_channel_data(hex("80 01 00 00")).error().code == "malformed");

  // Every truncation of a valid message fails or is a shorter valid message: never a read
  // past the end.
  const auto full = serialize_channel_data(0x4123, std::vector<std::uint8_t>(37, 7), Padding::to_four);
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto r = parse_channel_data(std::span(full).first(n));
    if (r.ok()) CHECK(r->data.size() == 37);
  }
  // The demultiplexer agrees.
  CHECK(stun::classify_packet(full) == stun::PacketKind::channel_data);
}

TEST_CASE("TURN stream framing: STUN and padded ChannelData back to back", "[turn]") {
  stun::Message m = make_refresh({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 0);
  const auto stun_bytes = stun::serialize(m);
  const auto cd = serialize_channel_data(0x4000, hex("01 02 03"), Padding::to_four);
  std::vector<std::uint8_t> stream = cd;
  stream.insert(stream.end(), stun_bytes.begin(), stun_bytes.end());
  stream.insert(stream.end(), cd.begin(), cd.end());

  std::size_t pos = 0;
  std::vector<FrameKind> kinds;
  while (pos < stream.size()) {
    auto f = next_frame(std::span(stream).subspan(pos));
    REQUIRE(f.ok());
    REQUIRE(f->has_value());
    kinds.push_back((*f)->kind);
    if ((*f)->kind == FrameKind::stun) CHECK(stun::parse(std::span(stream).subspan(pos, (*f)->size)).ok());
    else CHECK(parse_channel_data(std::span(stream).subspan(pos, (*f)->size)).ok());
    pos += (*f)->size;
  }
  CHECK(pos == stream.size());
  CHECK(kinds == std::vector<FrameKind>{FrameKind::channel_data, FrameKind::stun, FrameKind::channel_data});

  // Not enough bytes yet: no frame, no error.
  CHECK_FALSE(next_frame({}).value().has_value());
  CHECK_FALSE(next_frame(hex("40 00 00")).value().has_value());
  CHECK_FALSE(next_frame(hex("00 01")).value().has_value());
  CHECK(next_frame(hex("40 00 00 05")).value()->size == 12);
  CHECK(next_frame(hex("00 01 00 08")).value()->size == 28);
  // Garbage ends the stream.
  CHECK(next_frame(hex("80")).error().code == "malformed");
  CHECK(next_frame(hex("c0 00 00 00")).error().code == "malformed");
  CHECK(next_frame(hex("00 01 00 06")).error().code == "malformed");
}
