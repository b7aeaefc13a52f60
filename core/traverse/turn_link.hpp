#pragma once
// The small interfaces a TURN allocation (turn_allocation.hpp) runs on, so that unit
// tests drive it by hand: a clock, and the control link to the server (a UDP socket
// talking to the server's address, or a TCP/TLS connection to it).
#include <cstdint>
#include <span>

#include "core/result.hpp"

namespace p2pd::traverse::turn {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::uint64_t now_ms() const = 0;  // monotonic milliseconds
};

class ServerLink {
 public:
  virtual ~ServerLink() = default;
  // One whole STUN message or ChannelData frame (already padded on streams). An error
  // means the link cannot send now (the datagram or bytes are lost; UDP retransmits).
  virtual Status send_frame(std::span<const std::uint8_t> frame) = 0;
  // TCP/TLS: reliable and ordered, frames padded to 4 bytes, no retransmissions.
  virtual bool is_stream() const = 0;
};

}  // namespace p2pd::traverse::turn
