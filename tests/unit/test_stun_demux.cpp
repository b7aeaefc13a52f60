// Telling STUN apart from other datagrams, and stream framing.
#include <catch2/catch.hpp>

#include "core/proto/stun_demux.hpp"
#include "core/proto/stun_message.hpp"
#include "test_stun_util.hpp"

using namespace p2pd::proto::stun;
using namespace p2pd::proto::stun::testing;

TEST_CASE("looks_like_stun", "[stun]") {
  for (const auto& v : {rfc5769_request(), rfc5769_ipv4_response(), rfc5769_ipv6_response(),
                        rfc5769_long_term_request()}) {
    CHECK(looks_like_stun(v));
    CHECK(classify_packet(v) == PacketKind::stun);
  }
  auto v = rfc5769_request();
  CHECK_FALSE(looks_like_stun(std::span(v).first(19)));
  CHECK_FALSE(looks_like_stun(std::span(v).first(v.size() - 4)));  // length says more
  auto bad = v;
  bad[4] ^= 1;  // cookie
  CHECK_FALSE(looks_like_stun(bad));
  CHECK(looks_like_stun(bad, true));  // a classic message has no cookie
  bad = v;
  bad[0] |= 0x40;
  CHECK_FALSE(looks_like_stun(bad, true));
  bad = v;
  bad.push_back(0);
  CHECK_FALSE(looks_like_stun(bad));
  CHECK_FALSE(looks_like_stun({}));
}

TEST_CASE("classify_packet", "[stun]") {
  CHECK(classify_packet(hex("40 00 00 04 61 62 63 64")) == PacketKind::channel_data);
  CHECK(classify_packet(hex("7f ff 00 00")) == PacketKind::channel_data);
  CHECK(classify_packet(hex("40 00 00")) == PacketKind::other);
  CHECK(classify_packet(hex("80 00 00 00 00")) == PacketKind::other);  // QUIC long header, RTP
  CHECK(classify_packet(hex("16 fe fd 00")) == PacketKind::other);     // DTLS
  CHECK(classify_packet(hex("00 01 00 00")) == PacketKind::other);     // STUN-ish, too short
  CHECK(classify_packet({}) == PacketKind::other);
}

TEST_CASE("stun_frame_size", "[stun]") {
  auto v = rfc5769_request();
  CHECK(stun_frame_size(v) == v.size());
  CHECK(stun_frame_size(std::span(v).first(4)) == v.size());
  CHECK_FALSE(stun_frame_size(std::span(v).first(3)).has_value());
  CHECK_FALSE(stun_frame_size(hex("40 00 00 04")).has_value());
  CHECK_FALSE(stun_frame_size(hex("00 01 00 05")).has_value());
  CHECK(stun_frame_size(hex("00 01 00 00")) == 20);
}
