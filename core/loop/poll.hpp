#pragma once
// Readiness of a foreign file descriptor (netlink, libmosquitto's socket) on the loop.
#include <functional>

#include "core/loop/handle.hpp"
#include "core/loop/loop.hpp"
#include "core/result.hpp"

namespace p2pd::loop {

namespace detail {
struct PollBlock : BlockBase {
  uv_poll_t uv{};
  std::function<void(int status, int events)> on_ready;
};
}  // namespace detail

class Poll : public detail::HandleOwner<detail::PollBlock> {
 public:
  Poll() = default;
  // The fd stays owned by the caller and must outlive the Poll.
  static Result<Poll> create(Loop& loop, int fd);
  // events: UV_READABLE | UV_WRITABLE | UV_DISCONNECT.
  Status start(int events, std::function<void(int status, int events)> on_ready);
  void stop();

 private:
  using HandleOwner::HandleOwner;
};

}  // namespace p2pd::loop
