#pragma once
// Big-endian appends to a growing byte buffer, plus patching of fields written earlier
// (a length that is known only at the end).
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace p2pd::proto {

inline void store_be16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

inline void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(std::vector<std::uint8_t> start) : buf_(std::move(start)) {}

  void u8(std::uint8_t v) { buf_.push_back(v); }
  void u16(std::uint16_t v) {
    buf_.resize(buf_.size() + 2);
    store_be16(buf_.data() + buf_.size() - 2, v);
  }
  void u32(std::uint32_t v) {
    buf_.resize(buf_.size() + 4);
    store_be32(buf_.data() + buf_.size() - 4, v);
  }
  void u64(std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v >> 32));
    u32(static_cast<std::uint32_t>(v));
  }
  void bytes(std::span<const std::uint8_t> data) { buf_.insert(buf_.end(), data.begin(), data.end()); }
  void zeros(std::size_t n) { buf_.resize(buf_.size() + n, 0); }

  // Overwrite a field already written; the caller keeps `offset + width <= size()`.
  void patch_u16(std::size_t offset, std::uint16_t v) { store_be16(buf_.data() + offset, v); }
  void patch_u32(std::size_t offset, std::uint32_t v) { store_be32(buf_.data() + offset, v); }

  std::size_t size() const { return buf_.size(); }
  const std::vector<std::uint8_t>& data() const { return buf_; }
  std::vector<std::uint8_t>& data() { return buf_; }
  std::vector<std::uint8_t> take() { return std::move(buf_); }

 private:
  std::vector<std::uint8_t> buf_;
};

}  // namespace p2pd::proto
