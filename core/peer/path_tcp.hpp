#pragma once
// Datagrams over one TCP connection (direct, reverse or punched TCP), framed with a
// 2-byte big-endian length. Sending is bounded: past `send_buffer_limit` queued bytes the
// path takes nothing more until libuv has written enough, then on_writable runs.
#include <cstddef>
#include <cstdint>

#include "core/loop/tcp.hpp"
#include "core/peer/path.hpp"
#include "core/peer/path_tcp_framing.hpp"

namespace p2pd::peer {

struct TcpPathOptions {
  std::size_t max_datagram = 60000;                // <= kMaxTcpFrame
  std::size_t send_buffer_limit = 4 * 1024 * 1024; // bytes queued in libuv
};

class TcpPath final : public Path {
 public:
  // `tcp` is a connected stream (connect() completed or accept()ed).
  static Result<std::unique_ptr<TcpPath>> create(loop::Tcp tcp, const TcpPathOptions& options = {});
  ~TcpPath() override;

  PathKind kind() const override { return PathKind::tcp; }
  std::size_t max_datagram_size() const override { return options_.max_datagram; }
  net::Endpoint local_endpoint() const override { return local_; }
  net::Endpoint remote_endpoint() const override { return remote_; }
  Result<std::size_t> send(std::span<const std::span<const std::uint8_t>> datagrams) override;
  void set_receiver(ReceiveFn on_datagram, ClosedFn on_closed) override;
  void set_on_writable(WritableFn on_writable) override { on_writable_ = std::move(on_writable); }
  void close() override;
  bool is_open() const override { return tcp_.is_open(); }

  std::size_t queued_bytes() const { return tcp_.write_queue_size(); }

 private:
  TcpPath(loop::Tcp tcp, const TcpPathOptions& options);
  void fail(Status why);

  loop::Tcp tcp_;
  TcpPathOptions options_;
  TcpFrameDecoder decoder_;
  net::Endpoint local_;
  net::Endpoint remote_;
  ReceiveFn on_datagram_;
  ClosedFn on_closed_;
  WritableFn on_writable_;
  bool blocked_ = false;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace p2pd::peer
