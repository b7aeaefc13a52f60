#include "core/peer/quic/byte_queue.hpp"

#include <algorithm>
#include <cstring>

namespace p2pd::peer::quic {

void ByteQueue::append(std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    std::size_t end = head_ + size_;  // logical position of the next free byte
    if (end == blocks_.size() * kBlock) {
      // A popped block is reused: no heap round trip (and no fresh zeroed pages) per 64 KiB.
      blocks_.push_back(spare_ ? std::move(spare_) : std::make_unique_for_overwrite<std::uint8_t[]>(kBlock));
    }
    std::size_t pos = end % kBlock;
    std::size_t take = std::min(bytes.size(), kBlock - pos);
    std::memcpy(blocks_[end / kBlock].get() + pos, bytes.data(), take);
    size_ += take;
    bytes = bytes.subspan(take);
  }
}

std::span<const std::uint8_t> ByteQueue::run_at(std::size_t offset) const {
  if (offset >= size_) return {};
  std::size_t at = head_ + offset;
  std::size_t pos = at % kBlock;
  std::size_t len = std::min(kBlock - pos, size_ - offset);
  return {blocks_[at / kBlock].get() + pos, len};
}

std::size_t ByteQueue::copy_front(std::span<std::uint8_t> out) const {
  std::size_t done = 0;
  while (done < out.size()) {
    auto run = run_at(done);
    if (run.empty()) break;
    std::size_t take = std::min(run.size(), out.size() - done);
    std::memcpy(out.data() + done, run.data(), take);
    done += take;
  }
  return done;
}

void ByteQueue::pop(std::size_t n) {
  n = std::min(n, size_);
  head_ += n;
  size_ -= n;
  while (head_ >= kBlock) {
    if (!spare_) spare_ = std::move(blocks_.front());
    blocks_.pop_front();
    head_ -= kBlock;
  }
  if (size_ == 0 && blocks_.size() == 1) head_ = 0;  // reuse the block from its start
  if (size_ == 0 && blocks_.size() > 1) {
    blocks_.clear();
    head_ = 0;
  }
  if (size_ == 0) spare_.reset();  // an idle queue keeps at most one block
}

}  // namespace p2pd::peer::quic
