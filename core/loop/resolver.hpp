#pragma once
// Host names to addresses with getaddrinfo, which blocks: resolve() runs it on the
// libuv threadpool (loop::Work) and hands the answer to the loop thread. For server
// names in config (TURN, STUN, MQTT brokers).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/loop/work.hpp"
#include "core/net/endpoint.hpp"
#include "core/result.hpp"

namespace p2pd::loop {

// The addresses of `host` (a name, or an address literal, answered without a lookup) in
// getaddrinfo's order, each once; only `family` if given. Error "unreachable" when the
// name does not resolve. Blocks: call it from the threadpool.
Result<std::vector<net::IpAddress>> resolve_host_blocking(const std::string& host,
                                                          std::optional<net::Family> family = std::nullopt);

// The same on the threadpool; `done` runs on the loop. Dropping the Work drops `done`.
Work resolve_host(Loop& loop, std::string host, std::optional<net::Family> family,
                  std::function<void(Result<std::vector<net::IpAddress>>)> done);

}  // namespace p2pd::loop
