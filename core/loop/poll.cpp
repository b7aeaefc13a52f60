#include "core/loop/poll.hpp"

#include "core/loop/uv_error.hpp"

namespace p2pd::loop {

Result<Poll> Poll::create(Loop& loop, int fd) {
  auto* block = new detail::PollBlock;
  int rc = uv_poll_init(loop.raw(), &block->uv, fd);
  if (rc != 0) {
    detail::discard_block(block);
    return uv_error(rc, "poll init");
  }
  block->uv.data = static_cast<detail::BlockBase*>(block);
  return Poll(block);
}

Status Poll::start(int events, std::function<void(int, int)> on_ready) {
  if (!block_) return Error{"closed", "poll handle is closed"};
  block_->on_ready = std::move(on_ready);
  return uv_status(uv_poll_start(&block_->uv, events, [](uv_poll_t* p, int status, int ev) {
    auto* b = detail::block_of<detail::PollBlock>(p->data);
    if (!b->closing && b->on_ready) b->on_ready(status, ev);
  }), "poll start");
}

void Poll::stop() {
  if (block_) uv_poll_stop(&block_->uv);
}

}  // namespace p2pd::loop
