#include "rpc/pipe_pull.hpp"

#include <chrono>

#include "core/pipe/pipe_manager.hpp"
#include "rpc/pipe_views.hpp"
#include "rpc/wait_on_loop.hpp"

namespace p2pd::rpc {

namespace {
Error no_pipes() { return Error{"unavailable", "pipes are not in this process"}; }
}  // namespace

std::optional<Result<pipe::MessagePtr>> pull_message(ApiContext& ctx, httplib::Response& res, const std::string& name,
                                                     const std::string& sub, std::uint64_t wait_ms) {
  auto* pipes = ctx.core.pipes;
  if (wait_ms == 0) {  // no waiting: one bridge call, no long-poll ticket
    auto r = ctx.on_loop([pipes, name, sub]() -> Result<pipe::MessagePtr> {
      if (!pipes) return no_pipes();
      auto pipe = pipes->get(name);
      if (!pipe) return pipe.error();
      auto m = (*pipe)->try_recv(sub);
      if (m && !*m) return Error{"timeout", "no message waiting on " + name + "/" + sub};
      return m;
    });
    return r;
  }
  auto r = wait_on_loop<pipe::MessagePtr>(
      ctx, res,
      [pipes, name, sub](loop::Promise<pipe::MessagePtr> promise) {
        if (!pipes) return (void)promise.resolve(no_pipes());
        auto pipe = pipes->get(name);
        if (!pipe) return (void)promise.resolve(pipe.error());
        (*pipe)->pull(sub, pipe::PullWaiter{
                               [promise](Result<pipe::MessagePtr> m) { return promise.resolve(std::move(m)); },
                               [promise] { return promise.abandoned(); }});
      },
      std::chrono::milliseconds(wait_ms));
  if (r && !*r && r->error().code == "timeout")
    return Result<pipe::MessagePtr>(Error{"timeout", "no message on " + name + "/" + sub + " within " +
                                                         std::to_string(wait_ms) + " ms"});
  return r;
}

Result<nlohmann::json> subscribe_on_loop(ApiContext& ctx, const std::string& name, pipe::SubscriptionSpec spec) {
  auto* pipes = ctx.core.pipes;
  return ctx.on_loop([pipes, name, spec = std::move(spec)]() mutable -> Result<nlohmann::json> {
    if (!pipes) return no_pipes();
    auto pipe = pipes->get(name);
    if (!pipe) return pipe.error();
    auto id = (*pipe)->subscribe(std::move(spec));
    if (!id) return id.error();
    for (const auto& s : (*pipe)->info().subs)
      if (s.id == *id) return subscription_json(s);
    return Error{"internal", "subscription " + *id + " vanished"};
  });
}

}  // namespace p2pd::rpc
