#pragma once
// One received message: the bytes one read returned (TCP, raw framing), one frame
// (TCP with line or length framing) or one datagram (UDP), with its sender.
// Messages are immutable once made and shared by every queue they are routed to, so a
// message matched by three subscriptions is stored once; a long poll hands the same
// shared pointer to an HTTP thread.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/net/endpoint.hpp"

namespace p2pd::pipe {

struct Message {
  std::vector<std::uint8_t> data;
  net::Endpoint from;        // the sender (for TCP: the connection's remote end)
  std::uint64_t seq = 0;     // per pipe, from 1
  std::uint64_t at_ms = 0;   // loop clock when it arrived

  std::span<const std::uint8_t> bytes() const { return data; }
};

using MessagePtr = std::shared_ptr<const Message>;

inline MessagePtr make_message(std::span<const std::uint8_t> bytes, const net::Endpoint& from, std::uint64_t seq,
                               std::uint64_t at_ms) {
  auto m = std::make_shared<Message>();
  m->data.assign(bytes.begin(), bytes.end());
  m->from = from;
  m->seq = seq;
  m->at_ms = at_ms;
  return m;
}

}  // namespace p2pd::pipe
