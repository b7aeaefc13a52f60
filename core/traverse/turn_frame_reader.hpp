#pragma once
// Cuts a TURN TCP/TLS control stream into whole STUN and ChannelData frames
// (proto::turn::next_frame), however the bytes arrive.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/result.hpp"

namespace p2pd::traverse::turn {

class FrameReader {
 public:
  using FrameFn = std::function<void(std::span<const std::uint8_t> frame)>;

  // Calls on_frame for each whole frame in order (the span is valid during the call).
  // An error ("malformed") means the stream is not TURN any more: close it. Frames
  // never exceed 4 + 65535 + 3 bytes, so the buffer stays bounded.
  Status feed(std::span<const std::uint8_t> bytes, const FrameFn& on_frame);
  // Bytes received that do not complete a frame yet.
  std::span<const std::uint8_t> pending() const { return buffer_; }

 private:
  std::vector<std::uint8_t> buffer_;
};

}  // namespace p2pd::traverse::turn
