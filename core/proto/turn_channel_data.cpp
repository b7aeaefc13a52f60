#include "core/proto/turn_channel_data.hpp"

#include <algorithm>

#include "core/proto/byte_reader.hpp"
#include "core/proto/byte_writer.hpp"
#include "core/proto/stun_constants.hpp"

namespace p2pd::proto::turn {
namespace {

constexpr bool is_channel_data_lead(std::uint8_t first) { return (first & 0xC0) == 0x40; }
constexpr std::size_t padded(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

}  // namespace

Result<ChannelData> parse_channel_data(std::span<const std::uint8_t> message) {
  if (message.size() < kChannelDataHeaderSize) return make_error("malformed", "ChannelData shorter than 4 bytes");
  if (!is_channel_data_lead(message[0])) return make_error("malformed", "not a ChannelData channel number");
  const std::size_t length = load_be16(message.data() + 2);
  const std::size_t after = message.size() - kChannelDataHeaderSize;
  if (length > after) return make_error("malformed", "ChannelData length beyond the message");
  if (after - length > 3) return make_error("malformed", "ChannelData has bytes after its padding");
  return ChannelData{load_be16(message.data()), message.subspan(kChannelDataHeaderSize, length)};
}

bool append_channel_data(std::vector<std::uint8_t>& out, std::uint16_t channel, std::span<const std::uint8_t> data,
                         Padding padding) {
  if (data.size() > kMaxChannelData || !is_channel_data_lead(static_cast<std::uint8_t>(channel >> 8))) return false;
  const std::size_t start = out.size();
  const std::size_t body = padding == Padding::to_four ? padded(data.size()) : data.size();
  out.resize(start + kChannelDataHeaderSize + body, 0);
  store_be16(out.data() + start, channel);
  store_be16(out.data() + start + 2, static_cast<std::uint16_t>(data.size()));
  std::copy(data.begin(), data.end(), out.begin() + static_cast<std::ptrdiff_t>(start + kChannelDataHeaderSize));
  return true;
}

std::vector<std::uint8_t> serialize_channel_data(std::uint16_t channel, std::span<const std::uint8_t> data,
                                                 Padding padding) {
  std::vector<std::uint8_t> out;
  if (!append_channel_data(out, channel, data, padding)) return {};
  return out;
}

Result<std::optional<Frame>> next_frame(std::span<const std::uint8_t> prefix) {
  if (prefix.empty()) return std::optional<Frame>{};
  const std::uint8_t lead = prefix[0] & 0xC0;
  if (lead != 0x00 && lead != 0x40) return make_error("malformed", "neither STUN nor ChannelData on the stream");
  if (prefix.size() < 4) return std::optional<Frame>{};
  const std::size_t length = load_be16(prefix.data() + 2);
  if (lead == 0x40) return std::optional<Frame>{Frame{FrameKind::channel_data, kChannelDataHeaderSize + padded(length)}};
  if (length % 4 != 0) return make_error("malformed", "STUN length not a multiple of 4 on the stream");
  return std::optional<Frame>{Frame{FrameKind::stun, stun::kHeaderSize + length}};
}

}  // namespace p2pd::proto::turn
