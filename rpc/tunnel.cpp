#include "rpc/tunnel.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "rpc/access_rules.hpp"
#include "rpc/request_head.hpp"
#include "rpc/responses.hpp"
#include "rpc/routes.hpp"

namespace p2pd::rpc {

namespace {

// The pipe name of a "/tunnel/<c>" target, decoded; null for any other path.
std::optional<std::string> tunnel_pipe(std::string_view target) {
  auto segments = split_target_path(target);
  if (segments.size() != 2 || segments[0] != "tunnel") return std::nullopt;
  return segments[1];
}

// Reads exactly n bytes that are already in the socket's receive queue (they were
// peeked), without blocking.
bool consume(int fd, std::size_t n) {
  std::vector<char> buf(n);
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::recv(fd, buf.data() + got, n - got, MSG_DONTWAIT);
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

// Who owns the socket: whichever side moves `claim` away from `pending` first.
enum Claim : int { pending = 0, loop_took = 1, http_kept = 2 };

}  // namespace

HttpListener::Takeover tunnel_takeover(ApiContext& ctx) {
  return [&ctx](int fd, std::string_view bytes) -> bool {
    auto head = parse_request_head(bytes);
    if (!head || head->method != "GET") return false;
    std::string_view target = head->target;
    auto name = tunnel_pipe(target);
    if (!name) return false;
    RequestFacts facts{false, ctx.token_required, head->header("host"), head->header("origin"),
                       head->header("authorization"), "GET", target.substr(0, target.find('?'))};
    // A rejected request goes the normal way, which answers (and counts) it as documented.
    if (check_access(facts, ctx.token) != Rejection::none) return false;
    auto claim = std::make_shared<std::atomic<int>>(pending);
    auto* pipes = ctx.core.pipes;
    const std::size_t head_size = head->size;
    auto r = ctx.on_loop([pipes, name = *name, fd, head_size, claim]() -> Result<bool> {
      if (!pipes) return Error{"unavailable", "pipes are not in this process"};
      if (auto st = pipes->can_attach(name); !st.ok()) return st.error();
      int expected = pending;
      if (!claim->compare_exchange_strong(expected, loop_took)) return loop::loop_busy_error();
      // The socket is the loop's from here on, whatever happens next.
      if (!consume(fd, head_size)) {
        ::close(fd);
        return true;
      }
      if (auto st = pipes->tunnel_socket(name, fd); !st.ok())
        spdlog::warn("api: tunnel to pipe {} failed: {}", name, st.error().message);
      return true;
    });
    if (r.ok()) {
      ctx.counters.requests.inc();
      return true;
    }
    int expected = pending;
    if (claim->compare_exchange_strong(expected, http_kept)) return false;
    return true;  // the loop took it after this thread stopped waiting
  };
}

void add_tunnel_routes(Router& router, ApiContext& ctx) {
  // Reached only when the takeover hook declined the request.
  router.add("GET", "/tunnel/:name", [&ctx](const httplib::Request&, httplib::Response& res, const RouteParams& p) {
    const std::string name = p["name"];
    auto* pipes = ctx.core.pipes;
    auto r = ctx.on_loop([pipes, name]() -> Result<bool> {
      if (!pipes) return Error{"unavailable", "pipes are not in this process"};
      if (auto st = pipes->can_attach(name); !st.ok()) return st.error();
      return true;
    });
    if (!r) return send_p2pd_error(res, http_status_for(r.error().code), p2pd_code::no_address, r.error().message);
    send_p2pd_error(res, 400, p2pd_code::no_address,
                    "this connection cannot become a tunnel: /tunnel needs a TCP API listener "
                    "(not the unix socket) and the request head in at most 4096 bytes");
  });
}

}  // namespace p2pd::rpc
