#include "core/loop/signal.hpp"

#include "core/loop/uv_error.hpp"

namespace p2pd::loop {

Signal::Signal(Loop& loop) : HandleOwner(new detail::SignalBlock) {
  uv_signal_init(loop.raw(), &block_->uv);
  block_->uv.data = static_cast<detail::BlockBase*>(block_);
}

Status Signal::start(int signum, std::function<void(int)> on_signal) {
  if (!block_) return Error{"closed", "signal handle is closed"};
  block_->on_signal = std::move(on_signal);
  return uv_status(uv_signal_start(&block_->uv, [](uv_signal_t* s, int signum) {
    auto* b = detail::block_of<detail::SignalBlock>(s->data);
    if (!b->closing && b->on_signal) b->on_signal(signum);
  }, signum), "signal");
}

void Signal::stop() {
  if (block_) uv_signal_stop(&block_->uv);
}

}  // namespace p2pd::loop
