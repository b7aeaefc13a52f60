// core/loop: Bridge (cross-thread calls with deadlines) and Work (threadpool).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/loop/bridge.hpp"
#include "core/loop/timer.hpp"
#include "core/loop/work.hpp"

using namespace p2pd;
using namespace p2pd::loop;
using namespace std::chrono_literals;

namespace {

// Runs a loop on its own thread with a bridge; the loop is kept alive by a timer
// until stop() is called through the bridge.
struct LoopThread {
  Loop loop;
  std::unique_ptr<Bridge> bridge;
  Timer keepalive;
  std::thread thread;
  std::atomic<bool> stop_requested{false};

  LoopThread() : bridge(std::make_unique<Bridge>(loop)), keepalive(loop) {
    keepalive.start(5, 5, [this] {
      if (stop_requested) {
        keepalive.close();
        bridge->close();
      }
    });
    thread = std::thread([this] { loop.run(); });
  }
  ~LoopThread() {
    stop_requested = true;
    thread.join();
  }
};

}  // namespace

TEST_CASE("bridge runs the function on the loop thread and returns its result", "[loop][bridge]") {
  LoopThread lt;
  std::thread::id loop_id;
  auto r = lt.bridge->call([&]() -> Result<int> {
    loop_id = std::this_thread::get_id();
    return 42;
  }, 1000ms);
  REQUIRE(r.ok());
  REQUIRE(*r == 42);
  REQUIRE(loop_id == lt.thread.get_id());
}

TEST_CASE("bridge passes errors and exceptions back as values", "[loop][bridge]") {
  LoopThread lt;
  auto e = lt.bridge->call([]() -> Result<int> { return Error{"not_found", "no such pipe"}; }, 1000ms);
  REQUIRE(e.error().code == "not_found");
  auto x = lt.bridge->call([]() -> Result<int> { throw std::runtime_error("boom"); }, 1000ms);
  REQUIRE(x.error().code == "internal");
}

TEST_CASE("a bridge call to a stalled loop times out instead of hanging", "[loop][bridge]") {
  LoopThread lt;
  std::atomic<bool> release{false};
  // Stall the loop thread inside a task.
  REQUIRE(lt.bridge->post([&] {
    while (!release) std::this_thread::sleep_for(1ms);
  }));
  bool ran_late = false;
  auto start = std::chrono::steady_clock::now();
  auto r = lt.bridge->call([&]() -> Result<int> {
    ran_late = true;
    return 1;
  }, 100ms);
  auto waited = std::chrono::steady_clock::now() - start;
  release = true;
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.error().code == "loop_busy");
  REQUIRE(waited < 2s);
  // The abandoned call is skipped when the loop gets to it.
  auto after = lt.bridge->call([]() -> Result<int> { return 2; }, 1000ms);
  REQUIRE(after.ok());
  REQUIRE_FALSE(ran_late);
}

TEST_CASE("a closed bridge refuses calls at once", "[loop][bridge]") {
  Loop loop;
  Bridge bridge(loop);
  bridge.close();
  auto start = std::chrono::steady_clock::now();
  auto r = bridge.call([]() -> Result<int> { return 1; }, 5000ms);
  REQUIRE(r.error().code == "loop_busy");
  REQUIRE(std::chrono::steady_clock::now() - start < 1s);
  loop.run();
}

TEST_CASE("call_deferred: a promise resolved later by the loop", "[loop][bridge]") {
  LoopThread lt;
  // Resolved from a timer 20 ms later.
  auto timer = std::make_shared<std::unique_ptr<Timer>>();
  auto r = lt.bridge->call_deferred<std::string>([&lt, timer](Promise<std::string> p) {
    *timer = std::make_unique<Timer>(lt.loop);
    (*timer)->start(20, 0, [p] { p.resolve(std::string("late")); });
  }, 2000ms);
  REQUIRE(r.ok());
  REQUIRE(*r == "late");
  lt.bridge->call([timer]() -> Result<int> { timer->reset(); return 0; }, 1000ms).ok();
}

TEST_CASE("call_deferred: an unresolved promise times out and reports abandoned", "[loop][bridge]") {
  LoopThread lt;
  auto kept = std::make_shared<std::optional<Promise<int>>>();
  auto r = lt.bridge->call_deferred<int>([kept](Promise<int> p) { kept->emplace(p); }, 50ms);
  REQUIRE(r.error().code == "timeout");
  auto abandoned = lt.bridge->call([kept]() -> Result<bool> {
    bool a = (*kept)->abandoned();
    bool delivered = (*kept)->resolve(7);
    return a && !delivered;
  }, 1000ms);
  REQUIRE(abandoned.ok());
  REQUIRE(*abandoned);
}

TEST_CASE("work runs on the threadpool and completes on the loop", "[loop][work]") {
  Loop loop;
  std::thread::id job_thread, done_thread;
  int result = 0;
  Work w = Work::run<int>(loop, [&]() -> Result<int> {
    job_thread = std::this_thread::get_id();
    return 7;
  }, [&](Result<int> r) {
    done_thread = std::this_thread::get_id();
    result = *r;
  });
  REQUIRE(w.pending());
  loop.run();
  REQUIRE(result == 7);
  REQUIRE_FALSE(w.pending());
  REQUIRE(done_thread == std::this_thread::get_id());
  REQUIRE(job_thread != std::this_thread::get_id());
}

TEST_CASE("dropping a Work drops its completion", "[loop][work]") {
  Loop loop;
  bool done_called = false;
  {
    Work w = Work::queue(loop, [] { std::this_thread::sleep_for(10ms); }, [&](Status) { done_called = true; });
  }
  loop.run();
  REQUIRE_FALSE(done_called);
}
