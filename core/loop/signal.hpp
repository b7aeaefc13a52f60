#pragma once
#include <functional>

#include "core/loop/handle.hpp"
#include "core/loop/loop.hpp"
#include "core/result.hpp"

namespace p2pd::loop {

namespace detail {
struct SignalBlock : BlockBase {
  uv_signal_t uv{};
  std::function<void(int)> on_signal;
};
}  // namespace detail

// A POSIX signal delivered on the loop thread.
class Signal : public detail::HandleOwner<detail::SignalBlock> {
 public:
  Signal() = default;
  explicit Signal(Loop& loop);
  Status start(int signum, std::function<void(int signum)> on_signal);
  void stop();
};

}  // namespace p2pd::loop
