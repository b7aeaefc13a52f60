#pragma once
// P2PD's port-delta type (MISSION.md) from the mappings of consecutive new sockets,
// probed one after another to the same server (pure). The probe plan: local ports
// a, a+1, c, c+1 with c far from a, so the steps are +1, a jump, +1.
//   equal        every mapped port is its local port                      (value 0)
//   preserving   mapped - local is one constant                           (value: it)
//   independent  each mapping is the last one + d, whatever the local port (value: d)
//   dependent    last + d only where the local port also stepped by one   (value: d)
//   random       none of these
#include <cstdint>
#include <span>

#include "core/traverse/nat_types.hpp"

namespace p2pd::traverse {

struct PortPair {
  std::uint16_t local = 0;
  std::uint16_t mapped = 0;
};

struct Delta {
  DeltaType type = DeltaType::unknown;
  int value = 0;
};

// Fewer than three pairs: unknown.
Delta classify_delta(std::span<const PortPair> pairs);

}  // namespace p2pd::traverse
