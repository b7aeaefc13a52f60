#include "core/loop/async.hpp"

namespace p2pd::loop {

Async::Async(Loop& loop, std::function<void()> on_wake) : HandleOwner(new detail::AsyncBlock) {
  block_->on_wake = std::move(on_wake);
  uv_async_init(loop.raw(), &block_->uv, [](uv_async_t* a) {
    auto* b = detail::block_of<detail::AsyncBlock>(a->data);
    if (!b->closing && b->on_wake) b->on_wake();
  });
  block_->uv.data = static_cast<detail::BlockBase*>(block_);
}

void Async::send() {
  if (block_) uv_async_send(&block_->uv);
}

}  // namespace p2pd::loop
