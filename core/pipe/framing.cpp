#include "core/pipe/framing.hpp"

#include <algorithm>

namespace p2pd::pipe {

std::string_view framing_name(Framing f) {
  switch (f) {
    case Framing::raw: return "raw";
    case Framing::line: return "line";
    case Framing::len16: return "len16";
  }
  return "raw";
}

std::optional<Framing> parse_framing(std::string_view name) {
  if (name == "raw" || name.empty()) return Framing::raw;
  if (name == "line") return Framing::line;
  if (name == "len16") return Framing::len16;
  return std::nullopt;
}

void Deframer::feed(std::span<const std::uint8_t> bytes, const Emit& emit) {
  switch (framing_) {
    case Framing::raw:
      if (!bytes.empty()) emit(bytes);
      return;
    case Framing::line: return feed_line(bytes, emit);
    case Framing::len16: return feed_len16(bytes, emit);
  }
}

void Deframer::feed_line(std::span<const std::uint8_t> bytes, const Emit& emit) {
  auto deliver = [&](std::span<const std::uint8_t> line) {
    if (!line.empty() && line.back() == '\r') line = line.first(line.size() - 1);
    emit(line);
  };
  // Appends `part` to the buffer, cutting (and delivering) at max_message.
  auto keep = [&](std::span<const std::uint8_t> part) {
    while (max_message_ > 0 && buffer_.size() + part.size() > max_message_) {
      std::size_t take = max_message_ - buffer_.size();
      buffer_.insert(buffer_.end(), part.begin(), part.begin() + static_cast<std::ptrdiff_t>(take));
      part = part.subspan(take);
      ++oversize_;
      emit(buffer_);
      buffer_.clear();
    }
    buffer_.insert(buffer_.end(), part.begin(), part.end());
  };
  while (!bytes.empty()) {
    auto nl = std::find(bytes.begin(), bytes.end(), std::uint8_t{'\n'});
    if (nl == bytes.end()) {  // no end of line yet
      keep(bytes);
      return;
    }
    auto line_len = static_cast<std::size_t>(nl - bytes.begin());
    if (buffer_.empty() && (max_message_ == 0 || line_len <= max_message_)) {
      deliver(bytes.first(line_len));  // common case: no copy
    } else {
      keep(bytes.first(line_len));
      deliver(buffer_);
      buffer_.clear();
    }
    bytes = bytes.subspan(line_len + 1);
  }
}

void Deframer::feed_len16(std::span<const std::uint8_t> bytes, const Emit& emit) {
  while (!bytes.empty()) {
    if (buffer_.empty() && bytes.size() >= 2) {
      std::size_t len = (std::size_t{bytes[0]} << 8) | bytes[1];
      if (bytes.size() >= 2 + len) {  // a whole frame in this read: no copy
        emit(bytes.subspan(2, len));
        bytes = bytes.subspan(2 + len);
        continue;
      }
    }
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
    bytes = {};
    std::size_t pos = 0;
    while (buffer_.size() - pos >= 2) {
      std::size_t len = (std::size_t{buffer_[pos]} << 8) | buffer_[pos + 1];
      if (buffer_.size() - pos < 2 + len) break;
      emit(std::span<const std::uint8_t>(buffer_).subspan(pos + 2, len));
      pos += 2 + len;
    }
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(pos));
  }
}

void Deframer::finish(const Emit& emit) {
  if (buffer_.empty()) return;
  if (framing_ == Framing::line) {
    emit(buffer_);
  } else {
    ++truncated_;
  }
  buffer_.clear();
}

std::vector<std::uint8_t> Deframer::take_partial() {
  std::vector<std::uint8_t> out = std::move(buffer_);
  buffer_.clear();
  if (framing_ == Framing::len16)
    out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(2, out.size())));
  return out;
}

Result<std::vector<std::uint8_t>> frame(Framing framing, std::span<const std::uint8_t> message) {
  std::vector<std::uint8_t> out;
  switch (framing) {
    case Framing::raw:
      out.assign(message.begin(), message.end());
      break;
    case Framing::line:
      out.reserve(message.size() + 1);
      out.assign(message.begin(), message.end());
      out.push_back('\n');
      break;
    case Framing::len16:
      if (message.size() > 0xffff)
        return Error{"too_large", "a len16 frame holds at most 65535 bytes, not " + std::to_string(message.size())};
      out.reserve(message.size() + 2);
      out.push_back(static_cast<std::uint8_t>(message.size() >> 8));
      out.push_back(static_cast<std::uint8_t>(message.size() & 0xff));
      out.insert(out.end(), message.begin(), message.end());
      break;
  }
  return out;
}

}  // namespace p2pd::pipe
