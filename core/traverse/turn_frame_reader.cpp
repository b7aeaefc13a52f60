#include "core/traverse/turn_frame_reader.hpp"

#include "core/proto/turn_channel_data.hpp"

namespace p2pd::traverse::turn {

Status FrameReader::feed(std::span<const std::uint8_t> bytes, const FrameFn& on_frame) {
  // Whole frames straight from `bytes` when nothing is buffered (the common case).
  std::span<const std::uint8_t> rest = bytes;
  if (buffer_.empty()) {
    while (!rest.empty()) {
      auto frame = proto::turn::next_frame(rest);
      if (!frame) return frame.error();
      if (!frame->has_value() || (*frame)->size > rest.size()) break;
      on_frame(rest.first((*frame)->size));
      rest = rest.subspan((*frame)->size);
    }
    buffer_.assign(rest.begin(), rest.end());
    if (!buffer_.empty()) {
      auto frame = proto::turn::next_frame(buffer_);
      if (!frame) return frame.error();
    }
    return {};
  }
  buffer_.insert(buffer_.end(), rest.begin(), rest.end());
  std::size_t pos = 0;
  while (pos < buffer_.size()) {
    std::span<const std::uint8_t> view(buffer_.data() + pos, buffer_.size() - pos);
    auto frame = proto::turn::next_frame(view);
    if (!frame) return frame.error();
    if (!frame->has_value() || (*frame)->size > view.size()) break;
    on_frame(view.first((*frame)->size));
    pos += (*frame)->size;
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(pos));
  return {};
}

}  // namespace p2pd::traverse::turn
