#pragma once
// Freshness and replay checks for opened signaling messages. A message is accepted once:
// its timestamp must be within `window_ms` of our clock (either way), and its (sender,
// nonce) must not have been seen. Seen nonces are kept until their timestamp leaves the
// window. When the table is full the oldest entry is evicted and the floor rises to its
// timestamp: anything at or below the floor is then refused as stale, so eviction never
// re-opens a replay. The same message arriving over several brokers is a duplicate.
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include "core/proto/signal_message.hpp"

namespace p2pd::signaling {

enum class Verdict { fresh, duplicate, stale, future };
std::string_view verdict_name(Verdict v);  // "fresh", "duplicate", "stale", "future"

class ReplayGuard {
 public:
  explicit ReplayGuard(std::uint64_t window_ms = 120000, std::size_t capacity = 65536)
      : window_ms_(window_ms), capacity_(capacity) {}

  // Checks and, when fresh, records. now_ms: our wall clock.
  Verdict check(const proto::signaling::Message& message, std::uint64_t now_ms);
  std::size_t size() const { return by_key_.size(); }

 private:
  using NonceKey = std::pair<proto::signaling::Key, proto::signaling::Nonce>;
  void expire(std::uint64_t now_ms);

  std::uint64_t window_ms_;
  std::size_t capacity_;
  std::uint64_t floor_ms_ = 0;
  std::set<NonceKey> by_key_;
  std::multimap<std::uint64_t, NonceKey> by_time_;
};

}  // namespace p2pd::signaling
