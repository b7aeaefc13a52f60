#pragma once
// Blocking work (miniupnpc, getaddrinfo, state file writes) on libuv's threadpool,
// with its completion back on the loop thread. The Work object owns the job: dropping
// it cancels a job that has not started and drops the completion of one that has.
#include <functional>
#include <memory>
#include <optional>

#include "core/loop/loop.hpp"
#include "core/result.hpp"

namespace p2pd::loop {

class Work;

namespace detail {
struct WorkBlock {
  uv_work_t req{};
  std::function<void()> job;           // threadpool
  std::function<void(Status)> done;    // loop; error "ECANCELED" when cancelled
  Work* owner = nullptr;               // null once the owner dropped the job
};
}  // namespace detail

class Work {
 public:
  Work() = default;
  Work(Work&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {
    if (block_) block_->owner = this;
  }
  Work& operator=(Work&& other) noexcept;
  Work(const Work&) = delete;
  Work& operator=(const Work&) = delete;
  ~Work() { cancel(); }

  static Work queue(Loop& loop, std::function<void()> job, std::function<void(Status)> done);

  // Runs job() -> Result<T> on the threadpool and hands its result to done on the loop.
  template <class T>
  static Work run(Loop& loop, std::function<Result<T>()> job, std::function<void(Result<T>)> done) {
    auto slot = std::make_shared<std::optional<Result<T>>>();
    return queue(
        loop, [slot, job = std::move(job)] { slot->emplace(job()); },
        [slot, done = std::move(done)](Status status) {
          if (!status.ok()) return done(status.error());
          done(std::move(**slot));
        });
  }

  void cancel();        // drop the completion; cancel the job if it has not started
  bool pending() const { return block_ != nullptr; }

 private:
  friend struct WorkCallbacks;
  detail::WorkBlock* block_ = nullptr;
};

}  // namespace p2pd::loop
