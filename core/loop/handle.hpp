#pragma once
// The ownership rule for every libuv handle (ARCHITECTURE.md, "A handle wrapper"):
// the uv_*_t lives in a heap Block together with the callbacks. The owning wrapper
// holds only a pointer to the Block; closing (explicitly or in the destructor) marks
// the Block closing and calls uv_close, whose callback frees the Block. Callbacks
// that arrive for a closing Block are dropped, so a destroyed owner is never called,
// and a callback may close or destroy its own wrapper safely: the std::function that
// is running lives in the Block, which outlives the call.
#include <uv.h>

#include <utility>

namespace p2pd::loop::detail {

struct BlockBase {
  virtual ~BlockBase() = default;
  bool closing = false;
};

// Marks the block closing and closes the handle; the block is deleted by the close
// callback. `handle->data` must point at the BlockBase.
void close_block(uv_handle_t* handle);

// Deletes a block whose handle was never initialised (init failed).
inline void discard_block(BlockBase* block) { delete block; }

template <class BlockT>
BlockT* block_of(const void* uv_handle_or_req_data) {
  return static_cast<BlockT*>(static_cast<BlockBase*>(const_cast<void*>(uv_handle_or_req_data)));
}

// Holds one Block; move-only; closes on destruction.
template <class BlockT>
class HandleOwner {
 public:
  HandleOwner() = default;
  explicit HandleOwner(BlockT* block) : block_(block) {}
  HandleOwner(HandleOwner&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
  HandleOwner& operator=(HandleOwner&& other) noexcept {
    if (this != &other) {
      close();
      block_ = std::exchange(other.block_, nullptr);
    }
    return *this;
  }
  HandleOwner(const HandleOwner&) = delete;
  HandleOwner& operator=(const HandleOwner&) = delete;
  ~HandleOwner() { close(); }

  // After close() the wrapper is empty: no callback will run, is_open() is false.
  void close() {
    if (block_ != nullptr) {
      close_block(reinterpret_cast<uv_handle_t*>(&block_->uv));
      block_ = nullptr;
    }
  }
  bool is_open() const { return block_ != nullptr; }

 protected:
  BlockT* block_ = nullptr;
};

}  // namespace p2pd::loop::detail
