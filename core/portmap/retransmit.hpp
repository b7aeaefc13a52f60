#pragma once
// When a PCP or NAT-PMP client sends its request again (pure).
//   NAT-PMP (RFC 6886 §3.1): first after 250 ms, the wait doubling, 9 sends at most.
//   PCP (RFC 6887 §8.1.1): RT = (1 + RAND) * IRT, then RT = (1 + RAND) * 2 * RTprev,
//   capped at (1 + RAND) * MRT, RAND in [-0.1, +0.1]; MRC sends and MRD in all.
// Both are bounded by a total duration: p2pd gives a gateway without the protocol up
// after a short time and tries the next protocol. PCP's RFC IRT is 3 s; p2pd uses the
// RFC's rule with NAT-PMP's 250 ms start, since a gateway on the LAN answers within
// milliseconds and waiting 3 s for one that does not speak PCP would hold up NAT-PMP.
#include <cstdint>

namespace p2pd::portmap {

struct Schedule {
  std::uint64_t initial_ms = 250;     // IRT: the wait after the first send
  std::uint64_t max_wait_ms = 0;      // MRT: cap of one wait (0: none)
  unsigned max_sends = 0;             // MRC: sends in all (0: no limit but total_ms)
  std::uint64_t total_ms = 2000;      // MRD: the exchange fails this long after the first send
  double jitter = 0.0;                // RAND's range: each wait is scaled by 1 + [-jitter, +jitter]
};

// RFC 6886's schedule, cut off after total_ms.
Schedule natpmp_schedule(std::uint64_t total_ms);
// RFC 6887's rule (MRT 1024 s, no MRC) with IRT 250 ms, cut off after total_ms.
Schedule pcp_schedule(std::uint64_t total_ms);

// The wait before the next send. `previous_ms` is the last wait (0 before the first),
// `rand` a number in [-1, 1] (scaled by the schedule's jitter).
std::uint64_t next_wait_ms(const Schedule& schedule, std::uint64_t previous_ms, double rand);

}  // namespace p2pd::portmap
