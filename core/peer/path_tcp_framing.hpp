#pragma once
// Datagrams over a byte stream: each datagram is a 2-byte big-endian length followed by
// that many bytes. The decoder reassembles frames across arbitrary read boundaries and
// buffers at most one partial frame (<= max_frame + 2 bytes).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/result.hpp"

namespace p2pd::peer {

inline constexpr std::size_t kMaxTcpFrame = 65535;

// Appends one frame (prefix + payload) to `out`; payload must be <= kMaxTcpFrame.
void append_tcp_frame(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> payload);

class TcpFrameDecoder {
 public:
  using FrameFn = std::function<void(std::span<const std::uint8_t>)>;
  explicit TcpFrameDecoder(std::size_t max_frame = kMaxTcpFrame) : max_frame_(max_frame) {}

  // Feeds stream bytes; calls on_frame for every complete frame. A frame longer than
  // max_frame is an error ("malformed"): the stream cannot be resynchronised, close it.
  // Zero-length frames are skipped.
  Status feed(std::span<const std::uint8_t> bytes, const FrameFn& on_frame);
  std::size_t buffered() const { return partial_.size(); }

 private:
  std::size_t max_frame_;
  std::vector<std::uint8_t> partial_;  // an incomplete frame, prefix included
  bool failed_ = false;
};

}  // namespace p2pd::peer
