#pragma once
// Control links to a TURN server on the loop: a UDP socket of its own that talks only
// to the server's address, or a TCP connection (plain, or TLS: core/tls) cut into
// frames (FrameReader). They carry whole frames both ways for an Allocation
// (turn_allocation.hpp); TLS changes nothing above the byte stream.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/loop/udp.hpp"
#include "core/loop/work.hpp"
#include "core/net/endpoint.hpp"
#include "core/tls/tls_stream.hpp"
#include "core/traverse/turn_frame_reader.hpp"
#include "core/traverse/turn_link.hpp"

namespace p2pd::traverse::turn {

class SocketLink : public ServerLink {
 public:
  using FrameFn = std::function<void(std::span<const std::uint8_t> frame)>;
  using DoneFn = std::function<void(Status)>;

  // on_ready: the link can carry frames (at once for UDP, once TCP connected), or the
  // error; on_fail: the link died later. Neither runs after close().
  virtual void open(FrameFn on_frame, DoneFn on_ready, DoneFn on_fail) = 0;
  virtual void close() = 0;
  virtual std::optional<net::Endpoint> local() const = 0;
  // Bytes handed to the link and not yet taken by the kernel.
  virtual std::size_t backlog() const = 0;
  const net::Endpoint& server() const { return server_; }

 protected:
  explicit SocketLink(net::Endpoint server) : server_(server) {}
  net::Endpoint server_;
};

class UdpLink final : public SocketLink {
 public:
  // `local`: the address to bind (port 0 picks one); by default the wildcard of the
  // server's family.
  UdpLink(loop::Loop& loop, net::Endpoint server, std::optional<net::Endpoint> local = std::nullopt);
  ~UdpLink() override { close(); }

  void open(FrameFn on_frame, DoneFn on_ready, DoneFn on_fail) override;
  void close() override { udp_.close(); }
  std::optional<net::Endpoint> local() const override { return local_; }
  Status send_frame(std::span<const std::uint8_t> frame) override;
  bool is_stream() const override { return false; }
  std::size_t backlog() const override { return udp_.send_queue_size(); }
  std::uint64_t foreign_datagrams() const { return foreign_; }  // from others than the server

 private:
  loop::Loop& loop_;
  std::optional<net::Endpoint> bind_;
  loop::Udp udp_;
  std::optional<net::Endpoint> local_;
  std::uint64_t foreign_ = 0;
};

// Opens a TCP connection to `server` with a timeout and hands it over connected (what
// TCP links and RFC 6062 data connections start with). Destroying it cancels; `done`
// runs at most once and may destroy the connector.
class TcpConnector {
 public:
  using Done = std::function<void(Result<loop::Tcp>)>;
  TcpConnector(loop::Loop& loop, net::Endpoint server, std::optional<net::Endpoint> local, std::uint64_t timeout_ms,
               Done done);
  TcpConnector(const TcpConnector&) = delete;
  TcpConnector& operator=(const TcpConnector&) = delete;

 private:
  void finish(Result<loop::Tcp> result);

  loop::Tcp tcp_;
  loop::Timer timer_;
  Done done_;
};

// TURN over TLS (RFC 8656 section 3.1): whom the server's certificate must name.
struct TlsSettings {
  std::string ca_file;      // PEM CAs to trust; "" = the system store
  std::string server_name;  // a DNS name (also sent as SNI) or an IP address (IP SANs)
};

class TcpLink final : public SocketLink {
 public:
  // With `tls`, the CAs are loaded on the threadpool first (error tls_ca), then the
  // connection is made and the TLS handshake run within connect_timeout_ms (tls_cert,
  // tls_handshake); on_ready follows the handshake.
  TcpLink(loop::Loop& loop, net::Endpoint server, std::uint64_t connect_timeout_ms,
          std::optional<net::Endpoint> local = std::nullopt, std::optional<TlsSettings> tls = std::nullopt);
  ~TcpLink() override { close(); }

  void open(FrameFn on_frame, DoneFn on_ready, DoneFn on_fail) override;
  void close() override;
  std::optional<net::Endpoint> local() const override { return local_; }
  Status send_frame(std::span<const std::uint8_t> frame) override;
  bool is_stream() const override { return true; }
  std::size_t backlog() const override { return tls_ ? tls_->write_queue_size() : tcp_.write_queue_size(); }
  bool is_tls() const { return tls_settings_.has_value(); }

 private:
  void connect(DoneFn on_ready);
  void on_connected(loop::Tcp tcp, DoneFn on_ready);
  void on_bytes(std::span<const std::uint8_t> bytes);
  void fail(Status status);

  loop::Loop& loop_;
  std::uint64_t connect_timeout_ms_;
  std::optional<net::Endpoint> bind_;
  std::optional<TlsSettings> tls_settings_;
  loop::Work trust_work_;
  std::shared_ptr<const tls::Trust> trust_;
  std::unique_ptr<TcpConnector> connector_;
  loop::Tcp tcp_;                        // plain TCP
  std::unique_ptr<tls::TlsStream> tls_;  // or TLS over it
  FrameReader reader_;
  std::optional<net::Endpoint> local_;
  FrameFn on_frame_;
  DoneFn on_fail_;
  bool connected_ = false;
};


}  // namespace p2pd::traverse::turn
