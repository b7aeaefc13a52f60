#include "core/proto/stun_demux.hpp"

#include "core/proto/byte_reader.hpp"
#include "core/proto/stun_constants.hpp"

namespace p2pd::proto::stun {

bool looks_like_stun(std::span<const std::uint8_t> d, bool allow_classic) {
  if (d.size() < kHeaderSize || (d[0] & 0xC0) != 0) return false;
  const std::size_t length = load_be16(d.data() + 2);
  if (length % 4 != 0 || kHeaderSize + length != d.size()) return false;
  return allow_classic || load_be32(d.data() + 4) == kMagicCookie;
}

PacketKind classify_packet(std::span<const std::uint8_t> d) {
  if (looks_like_stun(d)) return PacketKind::stun;
  if (d.size() >= 4 && d[0] >= 0x40 && d[0] <= 0x7F) return PacketKind::channel_data;
  return PacketKind::other;
}

std::optional<std::size_t> stun_frame_size(std::span<const std::uint8_t> prefix) {
  if (prefix.size() < 4 || (prefix[0] & 0xC0) != 0) return std::nullopt;
  const std::size_t length = load_be16(prefix.data() + 2);
  if (length % 4 != 0) return std::nullopt;
  return kHeaderSize + length;
}

}  // namespace p2pd::proto::stun
