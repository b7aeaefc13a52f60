#include <catch2/catch.hpp>

#include <string_view>

#include "core/proto/crc32.hpp"

using p2pd::proto::crc32;
using p2pd::proto::crc32_update;

namespace {
std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
}  // namespace

TEST_CASE("crc32 check values", "[proto][crc32]") {
  CHECK(crc32(bytes("")) == 0u);
  CHECK(crc32(bytes("123456789")) == 0xCBF43926u);
  CHECK(crc32(bytes("The quick brown fox jumps over the lazy dog")) == 0x414FA339u);
}

TEST_CASE("crc32 in pieces equals crc32 at once", "[proto][crc32]") {
  const std::string_view text = "The quick brown fox jumps over the lazy dog";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    std::uint32_t c = crc32_update(0, bytes(text.substr(0, cut)));
    c = crc32_update(c, bytes(text.substr(cut)));
    CHECK(c == 0x414FA339u);
  }
}
