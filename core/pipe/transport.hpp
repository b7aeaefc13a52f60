#pragma once
// What carries a pipe's bytes. A Pipe (pipe.hpp) owns one Transport and adds names,
// framing, subscriptions, queues and flow control on top, so every kind of channel gets
// the same operations: a TCP connection (tcp_transport.hpp), a UDP socket of its own
// (udp_client_transport.hpp), one sender on a UDP server socket (UdpSenderTransport,
// udp_port.hpp), a TURN relay (core/traverse/turn_transports.hpp) — and a QUIC stream
// to another daemon, without any change above this interface (the REST layer only
// sees Pipe). tests/unit/test_pipe_core.cpp drives a Pipe over a scripted Transport:
// it is the contract a new Transport is held to.
// Loop thread only.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/net/endpoint.hpp"
#include "core/result.hpp"

namespace p2pd::pipe {

class TransportHandler {
 public:
  // Bytes (streams) or one datagram, valid during the call only.
  virtual void on_transport_data(std::span<const std::uint8_t> bytes, const net::Endpoint& from) = 0;
  // The remote end finished (ok) or failed (the error); no data follows.
  virtual void on_transport_end(Status status) = 0;
  // Queued sends were taken by the kernel: backlog() is at or below the low-water mark.
  virtual void on_transport_drained() = 0;

 protected:
  ~TransportHandler() = default;
};

class Transport {
 public:
  virtual ~Transport() = default;

  virtual std::string_view kind() const = 0;  // "tcp", "udp" (later "peer", "turn")
  virtual bool is_stream() const = 0;         // bytes (framing applies) or datagrams
  // Datagram transports may send to another address than their default remote.
  virtual bool can_send_to() const = 0;

  // Starts delivering to `handler` (which must outlive the transport or close() it).
  virtual Status start(TransportHandler* handler) = 0;
  // Pauses/resumes reading from the socket (TCP backpressure). Datagram transports
  // that share a socket cannot pause; they ignore it.
  virtual void set_reading(bool on) = 0;

  // Queues bytes for the remote (or `to`, for datagram transports).
  virtual Status send(std::vector<std::uint8_t> bytes, const std::optional<net::Endpoint>& to) = 0;
  // Bytes accepted by send() and not yet taken by the kernel.
  virtual std::size_t backlog() const = 0;

  // Half-close: FIN after queued data (streams); nothing for datagrams.
  virtual void shutdown_write() = 0;
  // Ends the transport. graceful: queued data is still flushed (streams), in the
  // background. No handler callback runs after close().
  virtual void close(bool graceful) = 0;

  virtual std::optional<net::Endpoint> local() const = 0;
  virtual std::optional<net::Endpoint> remote() const = 0;
  // What this kind of transport adds to the pipe's description (a peer stream: the peer,
  // its session and path), shown under the key kind() in /v1/pipes; null: nothing.
  virtual nlohmann::json details() const { return nullptr; }
};

}  // namespace p2pd::pipe
