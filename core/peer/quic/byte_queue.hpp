#pragma once
// A FIFO of bytes in fixed-size blocks that never move: bytes handed to ngtcp2 (which does
// not copy stream data) stay valid until they are popped, however much is appended.
// Used for a stream's send buffer (popped when acknowledged) and receive buffer (popped
// when the application consumes).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>

namespace p2pd::peer::quic {

class ByteQueue {
 public:
  static constexpr std::size_t kBlock = 64 * 1024;

  void append(std::span<const std::uint8_t> bytes);
  // The contiguous run starting `offset` bytes from the front (empty at or past the end).
  std::span<const std::uint8_t> run_at(std::size_t offset) const;
  // Copies up to out.size() bytes from the front; returns how many.
  std::size_t copy_front(std::span<std::uint8_t> out) const;
  void pop(std::size_t n);  // n <= size()
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  using Block = std::unique_ptr<std::uint8_t[]>;
  std::deque<Block> blocks_;
  Block spare_;  // the last popped block, reused by append while the queue is in use
  std::size_t head_ = 0;  // offset of the first byte in blocks_.front()
  std::size_t size_ = 0;
};

}  // namespace p2pd::peer::quic
