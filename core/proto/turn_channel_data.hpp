#pragma once
// ChannelData messages (RFC 8656 §12.4): a 2-byte channel number (0x4000-0x7FFF on the
// wire), a 2-byte length and the application data. Over UDP a datagram holds one
// message, padding optional; over TCP/TLS each message is padded to a multiple of 4 so
// that STUN and ChannelData frames can follow each other on one stream.
//
// And the framing of that stream: which kind of frame starts here and how long it is.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/result.hpp"

namespace p2pd::proto::turn {

inline constexpr std::size_t kChannelDataHeaderSize = 4;
inline constexpr std::size_t kMaxChannelData = 0xFFFF;

struct ChannelData {
  std::uint16_t channel = 0;
  std::span<const std::uint8_t> data;  // views the parsed bytes
};

enum class Padding { none, to_four };  // UDP: none; TCP and TLS: to_four

// One whole message (a datagram, or a frame cut with next_frame()). Checks: the channel
// number's first two bits are 01; the length fits in what was given; at most 3 bytes
// after the data (the padding, whatever its value). Errors have code "malformed".
Result<ChannelData> parse_channel_data(std::span<const std::uint8_t> message);

// Header, data and (to_four) zero padding. Empty if data is over kMaxChannelData bytes
// or the channel's first two bits are not 01.
std::vector<std::uint8_t> serialize_channel_data(std::uint16_t channel, std::span<const std::uint8_t> data,
                                                 Padding padding);
// The same into `out` (appended), for senders that reuse a buffer. False when it cannot.
bool append_channel_data(std::vector<std::uint8_t>& out, std::uint16_t channel, std::span<const std::uint8_t> data,
                         Padding padding);

// --- the stream between a TURN client and server ------------------------------------
enum class FrameKind { stun, channel_data };

struct Frame {
  FrameKind kind = FrameKind::stun;
  std::size_t size = 0;  // bytes the whole frame takes on the stream, padding included
};

// What the next frame of a TCP/TLS control stream is, from its first bytes: a STUN
// message (first two bits 00; 20 + length, a multiple of 4) or ChannelData (01; 4 +
// length rounded up to 4). nullopt: fewer than 4 bytes so far. Error "malformed": the
// stream cannot be a TURN stream any more (bits 10/11, or a STUN length that is not a
// multiple of 4) and must be closed.
Result<std::optional<Frame>> next_frame(std::span<const std::uint8_t> prefix);

}  // namespace p2pd::proto::turn
