#pragma once
// The HTTP worker pool of one listener (cpp-httplib's TaskQueue; docs/ARCHITECTURE.md,
// "Threads"). cpp-httplib serves a connection on one worker for its whole life, so a
// waiting long poll holds a worker. This pool keeps `core` workers for short requests and
// grows, one thread per connection that finds no idle worker, up to `max` (core plus the
// long polls that may wait at once): waiting long polls can never take the workers that
// short requests need. A worker beyond `core` idle for `idle` exits.
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

namespace p2pd::rpc {

class WorkerPool : public httplib::TaskQueue {
 public:
  WorkerPool(std::size_t core, std::size_t max, std::chrono::milliseconds idle);
  ~WorkerPool() override;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;  // runs what is queued, then joins every worker

  std::size_t threads() const;  // live workers

 private:
  void spawn();  // with mutex_ held
  void work(std::list<std::thread>::iterator self);
  void join_retired();

  const std::size_t core_;
  const std::size_t max_;
  const std::chrono::milliseconds idle_timeout_;
  mutable std::mutex mutex_;
  std::condition_variable cond_;
  std::deque<std::function<void()>> jobs_;
  std::list<std::thread> workers_;
  std::vector<std::thread> retired_;  // exited on idle, joined later
  std::size_t idle_ = 0;
  bool shutdown_ = false;
};

}  // namespace p2pd::rpc
