#include <catch2/catch.hpp>

#include "core/proto/byte_reader.hpp"
#include "core/proto/byte_writer.hpp"

using p2pd::proto::ByteReader;
using p2pd::proto::ByteWriter;

TEST_CASE("ByteWriter writes big-endian and patches", "[proto][bytes]") {
  ByteWriter w;
  w.u8(0x01);
  w.u16(0x0203);
  w.u32(0x04050607);
  w.u64(0x08090a0b0c0d0e0full);
  w.zeros(2);
  const std::uint8_t tail[] = {0xaa, 0xbb};
  w.bytes(tail);
  w.patch_u16(15, 0x1234);
  CHECK(w.data() == std::vector<std::uint8_t>{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
                                              0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x12, 0x34, 0xaa, 0xbb});
  w.patch_u32(0, 0xdeadbeef);
  auto out = w.take();
  CHECK(out.size() == 19);
  CHECK(out[0] == 0xde);
  CHECK(out[3] == 0xef);
}

TEST_CASE("ByteReader reads big-endian and stops at the end", "[proto][bytes]") {
  const std::uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
                               0x0d, 0x0e, 0x0f};
  ByteReader r(data);
  std::uint8_t a = 0;
  std::uint16_t b = 0;
  std::uint32_t c = 0;
  std::uint64_t d = 0;
  REQUIRE(r.read_u8(a));
  REQUIRE(r.read_u16(b));
  REQUIRE(r.read_u32(c));
  CHECK(a == 0x01);
  CHECK(b == 0x0203);
  CHECK(c == 0x04050607u);
  CHECK(r.position() == 7);
  CHECK(r.remaining() == 8);
  REQUIRE(r.read_u64(d));
  CHECK(d == 0x08090a0b0c0d0e0full);
  CHECK(r.empty());
  CHECK_FALSE(r.read_u8(a));
  CHECK_FALSE(r.skip(1));

  ByteReader s(data);
  std::span<const std::uint8_t> view;
  CHECK_FALSE(s.read_bytes(16, view));
  CHECK(s.position() == 0);  // a failed read moves nothing
  REQUIRE(s.read_bytes(3, view));
  CHECK(view[2] == 0x03);
  CHECK(s.skip(12));
  CHECK(s.empty());
  CHECK(s.read_bytes(0, view));
  CHECK(view.empty());
}
