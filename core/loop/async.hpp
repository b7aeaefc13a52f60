#pragma once
#include <functional>

#include "core/loop/handle.hpp"
#include "core/loop/loop.hpp"

namespace p2pd::loop {

namespace detail {
struct AsyncBlock : BlockBase {
  uv_async_t uv{};
  std::function<void()> on_wake;
};
}  // namespace detail

// Wakes the loop from another thread. send() is the only thread-safe member, and only
// while the handle is open: whoever calls it from another thread must make sure the
// Async is not closed concurrently (Bridge does this with its lock).
class Async : public detail::HandleOwner<detail::AsyncBlock> {
 public:
  Async() = default;
  Async(Loop& loop, std::function<void()> on_wake);
  void send();
};

}  // namespace p2pd::loop
