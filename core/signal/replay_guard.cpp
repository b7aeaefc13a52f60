#include "core/signal/replay_guard.hpp"

namespace p2pd::signaling {

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::fresh: return "fresh";
    case Verdict::duplicate: return "duplicate";
    case Verdict::stale: return "stale";
    case Verdict::future: return "future";
  }
  return "stale";
}

void ReplayGuard::expire(std::uint64_t now_ms) {
  const std::uint64_t oldest_ok = now_ms > window_ms_ ? now_ms - window_ms_ : 0;
  while (!by_time_.empty() && by_time_.begin()->first < oldest_ok) {
    by_key_.erase(by_time_.begin()->second);
    by_time_.erase(by_time_.begin());
  }
}

Verdict ReplayGuard::check(const proto::signaling::Message& m, std::uint64_t now_ms) {
  expire(now_ms);
  if (m.timestamp_ms + window_ms_ < now_ms) return Verdict::stale;
  if (m.timestamp_ms > now_ms + window_ms_) return Verdict::future;
  NonceKey key{m.sender, m.nonce};
  if (by_key_.count(key)) return Verdict::duplicate;
  if (m.timestamp_ms <= floor_ms_) return Verdict::stale;
  while (by_key_.size() >= capacity_ && !by_time_.empty()) {
    auto oldest = by_time_.begin();
    if (oldest->first > floor_ms_) floor_ms_ = oldest->first;
    by_key_.erase(oldest->second);
    by_time_.erase(oldest);
  }
  if (m.timestamp_ms <= floor_ms_) return Verdict::stale;
  by_key_.insert(key);
  by_time_.emplace(m.timestamp_ms, key);
  return Verdict::fresh;
}

}  // namespace p2pd::signaling
