#pragma once
// When a TURN client refreshes what it holds on the server (RFC 8656 §7, §9, §12).
#include <cstdint>

namespace p2pd::traverse::turn {

// A failed refresh is tried again this much later, while what it refreshes lasts.
inline constexpr std::uint64_t kRetryMs = 5000;
// Permissions last 300 s; refreshed after 240 s when used. A ChannelBind refreshes its
// peer's permission too, so channels are refreshed on the same schedule (before their
// own 600 s run out) and one request keeps both.
inline constexpr std::uint64_t kPermissionRefreshMs = 240'000;
inline constexpr std::uint64_t kPermissionLifetimeMs = 300'000;
inline constexpr std::uint64_t kChannelRefreshMs = 240'000;
inline constexpr std::uint64_t kChannelLifetimeMs = 600'000;
// A channel number is not bound to another peer for 5 minutes after it lapses (§12).
inline constexpr std::uint64_t kChannelCooldownMs = 300'000;

// An allocation granted `lifetime_s` is refreshed a minute before it ends, or at half
// its lifetime when that is under two minutes (a server may cap lifetimes low).
constexpr std::uint64_t refresh_delay_ms(std::uint32_t lifetime_s) {
  const std::uint64_t ms = std::uint64_t{lifetime_s} * 1000;
  return lifetime_s > 120 ? ms - 60'000 : ms / 2;
}

}  // namespace p2pd::traverse::turn
