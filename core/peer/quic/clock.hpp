#pragma once
// ngtcp2 timestamps: nanoseconds of CLOCK_MONOTONIC.
#include <time.h>

#include <cstdint>

namespace p2pd::peer::quic {

inline std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace p2pd::peer::quic
