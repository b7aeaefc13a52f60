#include "core/loop/timer.hpp"

namespace p2pd::loop {

Timer::Timer(Loop& loop) : HandleOwner(new detail::TimerBlock) {
  uv_timer_init(loop.raw(), &block_->uv);
  block_->uv.data = static_cast<detail::BlockBase*>(block_);
}

void Timer::start(std::uint64_t timeout_ms, std::uint64_t repeat_ms, std::function<void()> on_fire) {
  if (!block_) return;
  block_->on_fire = std::move(on_fire);
  uv_timer_start(&block_->uv, [](uv_timer_t* t) {
    auto* b = detail::block_of<detail::TimerBlock>(t->data);
    if (!b->closing && b->on_fire) b->on_fire();
  }, timeout_ms, repeat_ms);
}

void Timer::stop() {
  if (block_) uv_timer_stop(&block_->uv);
}

bool Timer::active() const { return block_ && uv_is_active(reinterpret_cast<const uv_handle_t*>(&block_->uv)); }

}  // namespace p2pd::loop
