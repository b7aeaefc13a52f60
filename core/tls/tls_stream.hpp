#pragma once
// A TLS client connection on the loop: a TlsClient (memory buffers) on a connected
// loop::Tcp, with a deadline for the handshake. Bytes written before the handshake
// is over wait for it. Loop thread only.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/net/endpoint.hpp"
#include "core/tls/tls_client.hpp"

namespace p2pd::tls {

struct StreamOptions {
  ClientOptions client;
  std::uint64_t handshake_timeout_ms = 10000;
};

class TlsStream {
 public:
  using DataFn = std::function<void(std::span<const std::uint8_t>)>;
  using DoneFn = std::function<void(Status)>;

  TlsStream(loop::Loop& loop, loop::Tcp connected, StreamOptions options);
  ~TlsStream() { close(); }
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // on_ready: the handshake is over, or its error (tls_cert, tls_handshake; the stream
  // is closed then). on_data: plaintext. on_end (after on_ready succeeded): ok() when the
  // server closed (close_notify or EOF), else the error. None runs after close(); each
  // may close or destroy the stream.
  void start(DoneFn on_ready, DataFn on_data, DoneFn on_end);
  // Queues plaintext; errors when the stream is closed or failed.
  Status write(std::span<const std::uint8_t> plaintext);
  // Ciphertext bytes not yet taken by the kernel.
  std::size_t write_queue_size() const { return tcp_.write_queue_size(); }
  std::optional<net::Endpoint> local() const;
  bool is_open() const { return client_ && client_->is_open() && !closed_; }
  // Sends close_notify after what is queued, then closes the socket.
  void close();

 private:
  void on_cipher(std::span<const std::uint8_t> bytes);
  void flush();
  void finish_handshake(Status st);
  void end(Status st);

  loop::Loop& loop_;
  loop::Tcp tcp_;
  loop::Timer deadline_;
  StreamOptions options_;
  std::unique_ptr<TlsClient> client_;
  std::vector<std::uint8_t> early_;  // plaintext written during the handshake
  DoneFn on_ready_;
  DataFn on_data_;
  DoneFn on_end_;
  bool closed_ = false;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace p2pd::tls
