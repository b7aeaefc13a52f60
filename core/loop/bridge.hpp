#pragma once
// The one way other threads (HTTP workers) reach the loop: bridge.call(fn, deadline)
// runs fn on the loop thread and waits for its result, at most `deadline`. A caller
// that times out gets Error{"loop_busy"} and fn is skipped if it has not started; the
// result travels in shared state, so a caller that gave up is never written to.
//
// call_deferred(start, wait) is for long polls: `start` runs on the loop with a
// Promise that loop code resolves later (when a message arrives); the caller waits up
// to `wait`. A promise whose caller gave up reports abandoned() so the loop can drop it.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "core/loop/async.hpp"
#include "core/loop/loop.hpp"
#include "core/result.hpp"

namespace p2pd::loop {

namespace detail {

template <class R>
struct CallState {
  std::mutex mutex;
  std::condition_variable done;
  std::optional<R> result;
  bool started = false;
  bool abandoned = false;

  // Returns false when the caller gave up (nothing is stored then).
  bool set(R value) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (abandoned || result) return false;
      result.emplace(std::move(value));
    }
    done.notify_one();
    return true;
  }
};

template <class T>
struct is_result : std::false_type {};
template <class T>
struct is_result<Result<T>> : std::true_type {};

}  // namespace detail

inline Error loop_busy_error() {
  return Error{"loop_busy", "the event loop did not answer in time"};
}

// A result to be delivered later from the loop thread.
template <class T>
class Promise {
 public:
  explicit Promise(std::shared_ptr<detail::CallState<Result<T>>> state) : state_(std::move(state)) {}
  // Delivers the result; false if the caller already gave up (or it was resolved).
  bool resolve(Result<T> value) const { return state_->set(std::move(value)); }
  bool abandoned() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->abandoned;
  }

 private:
  std::shared_ptr<detail::CallState<Result<T>>> state_;
};

class Bridge {
 public:
  explicit Bridge(Loop& loop);  // on the loop thread
  ~Bridge();                    // on the loop thread; later calls fail at once
  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;

  // Stops accepting calls (pending ones that have not run are dropped: their callers
  // time out). Safe to call more than once; must run on the loop thread.
  void close();

  // Queues fn for the loop thread; false when the bridge is closed. Any thread.
  bool post(std::function<void()> fn);

  // fn() must return Result<T>. Any thread except the loop thread.
  template <class F>
  auto call(F fn, std::chrono::milliseconds deadline) -> decltype(fn()) {
    using R = decltype(fn());
    static_assert(detail::is_result<R>::value, "bridge.call: fn must return Result<T>");
    auto state = std::make_shared<detail::CallState<R>>();
    bool posted = post([state, fn = std::move(fn)]() mutable {
      {
        std::lock_guard<std::mutex> lock(state->mutex);
        if (state->abandoned) return;
        state->started = true;
      }
      state->set(run_guarded<R>(fn));
    });
    if (!posted) return Error{"loop_busy", "the event loop is shutting down"};
    return wait(*state, deadline);
  }

  // start(Promise<T>) runs on the loop and resolves the promise now or later.
  template <class T>
  Result<T> call_deferred(std::function<void(Promise<T>)> start, std::chrono::milliseconds wait_for) {
    using R = Result<T>;
    auto state = std::make_shared<detail::CallState<R>>();
    bool posted = post([state, start = std::move(start)]() mutable {
      {
        std::lock_guard<std::mutex> lock(state->mutex);
        if (state->abandoned) return;
        state->started = true;
      }
      try {
        start(Promise<T>(state));
      } catch (const std::exception& e) {
        state->set(Error{"internal", e.what()});
      }
    });
    if (!posted) return Error{"loop_busy", "the event loop is shutting down"};
    return wait(*state, wait_for);
  }

 private:
  template <class R, class F>
  static R run_guarded(F& fn) {
    try {
      return fn();
    } catch (const std::exception& e) {
      return Error{"internal", e.what()};
    } catch (...) {
      return Error{"internal", "unknown exception"};
    }
  }

  // Waits for the result; on timeout marks the call abandoned. A call that never
  // started is loop_busy; one that started but did not finish is "timeout".
  template <class R>
  static R wait(detail::CallState<R>& state, std::chrono::milliseconds deadline) {
    std::unique_lock<std::mutex> lock(state.mutex);
    if (state.done.wait_for(lock, deadline, [&] { return state.result.has_value(); }))
      return std::move(*state.result);
    state.abandoned = true;
    if (!state.started) return loop_busy_error();
    return Error{"timeout", "no result within the deadline"};
  }

  void drain();  // loop thread: runs everything queued

  std::mutex mutex_;
  std::deque<std::function<void()>> queue_;
  bool open_ = true;
  Async async_;
};

}  // namespace p2pd::loop
