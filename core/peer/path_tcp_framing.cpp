#include "core/peer/path_tcp_framing.hpp"

#include <algorithm>
#include <string>

namespace p2pd::peer {

void append_tcp_frame(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> payload) {
  out.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(payload.size() & 0xff));
  out.insert(out.end(), payload.begin(), payload.end());
}

Status TcpFrameDecoder::feed(std::span<const std::uint8_t> bytes, const FrameFn& on_frame) {
  if (failed_) return Error{"malformed", "tcp framing failed earlier"};
  auto too_long = [&](std::size_t len) {
    failed_ = true;
    return Error{"malformed", "tcp frame of " + std::to_string(len) + " bytes exceeds " + std::to_string(max_frame_)};
  };
  while (!bytes.empty()) {
    if (partial_.empty() && bytes.size() >= 2) {
      // Fast path: whole frames straight from the read buffer, no copy.
      std::size_t len = (std::size_t{bytes[0]} << 8) | bytes[1];
      if (len > max_frame_) return too_long(len);
      if (bytes.size() >= 2 + len) {
        if (len > 0) on_frame(bytes.subspan(2, len));
        bytes = bytes.subspan(2 + len);
        continue;
      }
    }
    // Slow path: accumulate the prefix, then the rest of the frame.
    if (partial_.size() < 2) {
      partial_.push_back(bytes[0]);
      bytes = bytes.subspan(1);
      if (partial_.size() == 2) {
        std::size_t len = (std::size_t{partial_[0]} << 8) | partial_[1];
        if (len > max_frame_) return too_long(len);
        partial_.reserve(2 + len);
      }
      continue;
    }
    std::size_t len = (std::size_t{partial_[0]} << 8) | partial_[1];
    std::size_t need = 2 + len - partial_.size();
    std::size_t take = std::min(need, bytes.size());
    partial_.insert(partial_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    if (partial_.size() == 2 + len) {
      if (len > 0) on_frame(std::span<const std::uint8_t>(partial_).subspan(2));
      partial_.clear();
    }
  }
  return {};
}

}  // namespace p2pd::peer
