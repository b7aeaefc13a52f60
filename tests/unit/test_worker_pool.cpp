// rpc::WorkerPool: grows past its core for jobs that find no idle worker, up to max,
// and shrinks back when the extra workers stay idle.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "rpc/worker_pool.hpp"

using namespace std::chrono_literals;

namespace {
template <class F>
bool eventually(F f) {
  for (int i = 0; i < 200; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return f();
}
}  // namespace

TEST_CASE("worker pool grows for blocked jobs up to max, then shrinks to its core", "[rpc]") {
  p2pd::rpc::WorkerPool pool(1, 3, 50ms);
  CHECK(pool.threads() == 1);
  std::atomic<int> running{0}, done{0};
  std::atomic<bool> release{false};
  for (int i = 0; i < 4; ++i)
    pool.enqueue([&] {
      ++running;
      while (!release) std::this_thread::sleep_for(1ms);
      ++done;
    });
  CHECK(eventually([&] { return running == 3; }));  // three at once: the fourth waits
  CHECK(pool.threads() == 3);
  std::this_thread::sleep_for(30ms);
  CHECK(running == 3);
  release = true;
  CHECK(eventually([&] { return done == 4; }));
  CHECK(eventually([&] { return pool.threads() == 1; }));
  pool.shutdown();
  CHECK(pool.threads() == 0);
}
