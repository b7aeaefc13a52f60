#pragma once
// A connected TCP socket (outgoing or accepted) as a pipe transport.
#include <memory>
#include <optional>

#include "core/loop/tcp.hpp"
#include "core/pipe/lingerer.hpp"
#include "core/pipe/transport.hpp"

namespace p2pd::pipe {

class TcpTransport final : public Transport {
 public:
  // `tcp` is connected. Graceful closes are handed to `lingerer`.
  TcpTransport(loop::Tcp tcp, Lingerer& lingerer, std::size_t low_water, std::uint64_t linger_ms);
  ~TcpTransport() override;

  std::string_view kind() const override { return "tcp"; }
  bool is_stream() const override { return true; }
  bool can_send_to() const override { return false; }
  Status start(TransportHandler* handler) override;
  void set_reading(bool on) override;
  Status send(std::vector<std::uint8_t> bytes, const std::optional<net::Endpoint>& to) override;
  std::size_t backlog() const override { return tcp_.write_queue_size(); }
  void shutdown_write() override;
  void close(bool graceful) override;
  std::optional<net::Endpoint> local() const override { return local_; }
  std::optional<net::Endpoint> remote() const override { return remote_; }

 private:
  void on_end(Status status);

  loop::Tcp tcp_;
  Lingerer& lingerer_;
  std::size_t low_water_;
  std::uint64_t linger_ms_;
  TransportHandler* handler_ = nullptr;
  std::optional<net::Endpoint> local_, remote_;
  bool reading_ = false;
  bool ended_ = false;       // read side finished
  bool shut_down_ = false;   // FIN queued
  // Write callbacks may complete after a graceful close handed the socket on.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace p2pd::pipe
