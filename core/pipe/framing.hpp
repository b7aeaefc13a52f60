#pragma once
// Message boundaries on a byte stream (TCP pipes). Datagrams need none.
//   raw    a message is whatever one read returned
//   line   newline-delimited: "\n" ends a message and is removed, with a "\r" before
//          it; sending appends "\n"
//   len16  a 2-byte big-endian length, then that many bytes; sending prefixes it
//          (at most 65535 bytes per message)
// A line longer than max_message is cut there and delivered in pieces (counted as
// oversize), so a peer that never sends "\n" cannot grow the buffer without bound.
// Pure: bytes in, messages out.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace p2pd::pipe {

enum class Framing { raw, line, len16 };

std::string_view framing_name(Framing f);
std::optional<Framing> parse_framing(std::string_view name);

class Deframer {
 public:
  using Emit = std::function<void(std::span<const std::uint8_t>)>;

  explicit Deframer(Framing framing = Framing::raw, std::size_t max_message = 65536)
      : framing_(framing), max_message_(max_message) {}

  // Feeds bytes from the stream; emit runs once per complete message, in order.
  void feed(std::span<const std::uint8_t> bytes, const Emit& emit);
  // The stream ended: a partial line is delivered; a partial len16 frame is dropped
  // (and counted as truncated).
  void finish(const Emit& emit);
  // A relay takes over the stream: the bytes of the unfinished message so far, without
  // the framing (a partial len16 frame loses its length prefix); the buffer is emptied.
  std::vector<std::uint8_t> take_partial();

  Framing framing() const { return framing_; }
  std::size_t buffered() const { return buffer_.size(); }
  std::uint64_t oversize() const { return oversize_; }
  std::uint64_t truncated() const { return truncated_; }

 private:
  void feed_line(std::span<const std::uint8_t> bytes, const Emit& emit);
  void feed_len16(std::span<const std::uint8_t> bytes, const Emit& emit);

  Framing framing_;
  std::size_t max_message_;
  std::vector<std::uint8_t> buffer_;
  std::uint64_t oversize_ = 0;
  std::uint64_t truncated_ = 0;
};

// The bytes to write for one message (error "too_large" for len16 over 65535 bytes).
Result<std::vector<std::uint8_t>> frame(Framing framing, std::span<const std::uint8_t> message);

}  // namespace p2pd::pipe
