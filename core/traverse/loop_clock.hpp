#pragma once
// The loop's clock as the TURN/STUN state machines read it (turn::Clock): what their
// loop drivers (TurnClient, StunSocket, StunTcpProbe) hand them.
#include <cstdint>

#include "core/loop/loop.hpp"
#include "core/traverse/turn_link.hpp"

namespace p2pd::traverse::turn {

class LoopClock final : public Clock {
 public:
  explicit LoopClock(loop::Loop& loop) : loop_(loop) {}
  std::uint64_t now_ms() const override { return loop_.now_ms(); }

 private:
  loop::Loop& loop_;
};

}  // namespace p2pd::traverse::turn
