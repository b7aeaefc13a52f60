#pragma once
// A Path carries datagrams to one peer (ARCHITECTURE.md, "Peer connections"): a UDP
// socket + remote endpoint, a TCP stream with 2-byte length framing, a TURN relay
// (path_turn.hpp). A Session (QUIC) runs over exactly one Path at a time. Everything here runs
// on the loop thread.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "core/net/endpoint.hpp"
#include "core/result.hpp"

namespace p2pd::peer {

enum class PathKind { udp, tcp, turn };
const char* path_kind_name(PathKind kind);

class Path {
 public:
  // A received datagram: a span valid only during the call (copy what you keep).
  using ReceiveFn = std::function<void(std::span<const std::uint8_t>)>;
  // The path failed or the far end went away (TCP EOF, socket closed); runs once.
  using ClosedFn = std::function<void(Status)>;
  using WritableFn = std::function<void()>;

  Path() = default;
  Path(const Path&) = delete;
  Path& operator=(const Path&) = delete;
  virtual ~Path() = default;

  virtual PathKind kind() const = 0;
  // Largest datagram this path carries (loopback UDP and TCP allow far more than the
  // Internet's ~1452 bytes).
  virtual std::size_t max_datagram_size() const = 0;
  virtual net::Endpoint local_endpoint() const = 0;
  virtual net::Endpoint remote_endpoint() const = 0;
  std::string describe() const;  // "udp 127.0.0.1:5000 -> 127.0.0.1:6000"

  // Sends datagrams in order, as many as the path takes now. Returns how many were
  // taken; fewer than given means "would block": retry the rest after on_writable (TCP)
  // or shortly (UDP, whose kernel buffer drains by itself). Datagrams the network refuses
  // for good (oversize, unreachable) count as taken: datagrams may be lost.
  virtual Result<std::size_t> send(std::span<const std::span<const std::uint8_t>> datagrams) = 0;
  Result<std::size_t> send_one(std::span<const std::uint8_t> datagram) {
    std::span<const std::uint8_t> one[1] = {datagram};
    return send(one);
  }

  // Receiving starts when a receiver is set.
  virtual void set_receiver(ReceiveFn on_datagram, ClosedFn on_closed) = 0;
  virtual void set_on_writable(WritableFn on_writable) = 0;
  // Stops receiving and releases the carrier (for TCP: closes the connection). Idempotent.
  virtual void close() = 0;
  virtual bool is_open() const = 0;
};

}  // namespace p2pd::peer
