#include "rpc/worker_pool.hpp"

#include <spdlog/spdlog.h>

#include <system_error>

namespace p2pd::rpc {

WorkerPool::WorkerPool(std::size_t core, std::size_t max, std::chrono::milliseconds idle)
    : core_(core == 0 ? 1 : core), max_(max < core_ ? core_ : max), idle_timeout_(idle) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < core_; ++i) spawn();
}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::spawn() {
  workers_.emplace_back();
  auto self = std::prev(workers_.end());
  try {
    *self = std::thread([this, self] { work(self); });
  } catch (const std::system_error& e) {  // out of threads: the queued job waits for a worker
    workers_.erase(self);
    spdlog::warn("api: cannot start another HTTP worker ({} running): {}", workers_.size(), e.what());
  }
}

void WorkerPool::enqueue(std::function<void()> fn) {
  join_retired();
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(fn));
    if (jobs_.size() > idle_ && workers_.size() < max_) spawn();
  }
  cond_.notify_one();
}

void WorkerPool::work(std::list<std::thread>::iterator self) {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    bool woke = cond_.wait_for(lock, idle_timeout_, [this] { return !jobs_.empty() || shutdown_; });
    --idle_;
    if (jobs_.empty()) {
      if (shutdown_) return;
      if (!woke && workers_.size() > core_) {  // idle too long and not one of the core
        retired_.push_back(std::move(*self));
        workers_.erase(self);
        return;
      }
      continue;
    }
    auto fn = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    fn();
    lock.lock();
  }
}

void WorkerPool::join_retired() {
  std::vector<std::thread> done;
  {
    std::lock_guard lock(mutex_);
    done.swap(retired_);
  }
  for (auto& t : done)
    if (t.joinable()) t.join();
}

void WorkerPool::shutdown() {
  std::list<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    if (shutdown_ && workers_.empty()) return;
    shutdown_ = true;
  }
  cond_.notify_all();
  // Workers finish the queue and return; none is spawned or retired after shutdown_,
  // except a retirement already decided, which join_retired() collects.
  for (;;) {
    std::thread t;
    {
      std::lock_guard lock(mutex_);
      if (workers_.empty()) break;
      t = std::move(workers_.front());
      workers_.pop_front();
    }
    if (t.joinable()) t.join();
  }
  join_retired();
}

std::size_t WorkerPool::threads() const {
  std::lock_guard lock(mutex_);
  return workers_.size();
}

}  // namespace p2pd::rpc
