#include "core/loop/work.hpp"

#include "core/loop/uv_error.hpp"

namespace p2pd::loop {

struct WorkCallbacks {
  static void after(uv_work_t* r, int status) {
    std::unique_ptr<detail::WorkBlock> block(static_cast<detail::WorkBlock*>(r->data));
    if (block->owner == nullptr) return;
    // Detach first: done may destroy the owner or queue the next job through it.
    block->owner->block_ = nullptr;
    if (!block->done) return;
    auto done = std::move(block->done);
    done(uv_status(status, "work"));
  }
};

Work& Work::operator=(Work&& other) noexcept {
  if (this != &other) {
    cancel();
    block_ = std::exchange(other.block_, nullptr);
    if (block_) block_->owner = this;
  }
  return *this;
}

Work Work::queue(Loop& loop, std::function<void()> job, std::function<void(Status)> done) {
  Work work;
  auto* block = new detail::WorkBlock;
  block->job = std::move(job);
  block->done = std::move(done);
  block->req.data = block;
  int rc = uv_queue_work(
      loop.raw(), &block->req,
      [](uv_work_t* r) { static_cast<detail::WorkBlock*>(r->data)->job(); },
      &WorkCallbacks::after);
  if (rc != 0) {
    auto done = std::move(block->done);
    delete block;
    if (done) done(uv_error(rc, "queue work"));
    return work;
  }
  work.block_ = block;
  block->owner = &work;
  return work;  // the move constructor re-points block->owner (no NRVO assumed)
}

void Work::cancel() {
  if (!block_) return;
  block_->owner = nullptr;
  uv_cancel(reinterpret_cast<uv_req_t*>(&block_->req));  // fails harmlessly once started
  block_ = nullptr;
}

}  // namespace p2pd::loop
