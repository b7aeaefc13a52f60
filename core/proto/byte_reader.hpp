#pragma once
// Big-endian reads from a byte span that never go past its end: every read says whether
// the bytes were there, and a failed read leaves the position where it was.
#include <cstddef>
#include <cstdint>
#include <span>

namespace p2pd::proto {

inline std::uint16_t load_be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> data) : data_(data) {}

  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return pos_ == data_.size(); }

  bool read_u8(std::uint8_t& out) {
    if (remaining() < 1) return false;
    out = data_[pos_++];
    return true;
  }
  bool read_u16(std::uint16_t& out) {
    if (remaining() < 2) return false;
    out = load_be16(data_.data() + pos_);
    pos_ += 2;
    return true;
  }
  bool read_u32(std::uint32_t& out) {
    if (remaining() < 4) return false;
    out = load_be32(data_.data() + pos_);
    pos_ += 4;
    return true;
  }
  bool read_u64(std::uint64_t& out) {
    if (remaining() < 8) return false;
    out = (std::uint64_t{load_be32(data_.data() + pos_)} << 32) | load_be32(data_.data() + pos_ + 4);
    pos_ += 8;
    return true;
  }
  // `out` views the reader's data: it lives as long as that data does.
  bool read_bytes(std::size_t n, std::span<const std::uint8_t>& out) {
    if (remaining() < n) return false;
    out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  bool skip(std::size_t n) {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

}  // namespace p2pd::proto
