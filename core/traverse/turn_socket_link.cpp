#include "core/traverse/turn_socket_link.hpp"

#include <sys/socket.h>

#include "core/net/socket_bind.hpp"

namespace p2pd::traverse::turn {

namespace {

net::Endpoint wildcard_for(const net::Endpoint& server) {
  net::Endpoint any;
  any.address.family = server.address.family;
  return any;
}

// Room for bursts of relayed datagrams (capped by net.core.{r,w}mem_max).
void widen_buffers(int fd) {
  int size = 4 * 1024 * 1024;
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

}  // namespace

// --- UDP ------------------------------------------------------------------------------

UdpLink::UdpLink(loop::Loop& loop, net::Endpoint server, std::optional<net::Endpoint> local)
    : SocketLink(server), loop_(loop), bind_(local) {}

void UdpLink::open(FrameFn on_frame, DoneFn on_ready, DoneFn on_fail) {
  (void)on_fail;  // UDP has no connection to lose: silence shows as transaction timeouts
  auto fd = net::bind_socket(bind_.value_or(wildcard_for(server_)), {net::SocketType::udp, {}, false});
  if (!fd) return on_ready(fd.error());
  widen_buffers(*fd);
  udp_ = loop::Udp(loop_, true);
  if (auto st = udp_.open(*fd); !st) {
    udp_.close();
    return on_ready(st.error());
  }
  if (auto ep = udp_.local_endpoint()) local_ = *ep;
  auto st = udp_.recv_start([this, on_frame = std::move(on_frame)](std::span<const std::uint8_t> d,
                                                                     const net::Endpoint& from) {
    if (from.address == server_.address && from.port == server_.port) return on_frame(d);
    ++foreign_;  // not the server: nobody else may talk on this socket
  });
  if (!st) {
    udp_.close();
    return on_ready(st.error());
  }
  on_ready(Status{});
}

Status UdpLink::send_frame(std::span<const std::uint8_t> frame) {
  if (!udp_.is_open()) return Error{"closed", "the link is closed"};
  auto st = udp_.try_send(server_, frame);
  if (st.ok() || st.error().code != "EAGAIN") return st;
  // The socket buffer is full: let libuv queue a copy.
  udp_.send(server_, std::vector<std::uint8_t>(frame.begin(), frame.end()));
  return {};
}

// --- TCP connection set-up ----------------------------------------------------------------

TcpConnector::TcpConnector(loop::Loop& loop, net::Endpoint server, std::optional<net::Endpoint> local,
                           std::uint64_t timeout_ms, Done done)
    : timer_(loop), done_(std::move(done)) {
  auto fail_soon = [this](Error e) {
    tcp_.close();
    timer_.start(0, 0, [this, e] { finish(e); });
  };
  auto fd = net::bind_socket(local.value_or(wildcard_for(server)), {net::SocketType::tcp, {}, false});
  if (!fd) {
    fail_soon(fd.error());
    return;
  }
  tcp_ = loop::Tcp(loop);
  if (auto st = tcp_.open(*fd); !st) {
    fail_soon(st.error());
    return;
  }
  timer_.start(timeout_ms, 0, [this, server, timeout_ms] {
    finish(Error{"timeout", "no TCP connection to " + server.to_string() + " within " + std::to_string(timeout_ms) +
                                " ms"});
  });
  tcp_.connect(server, [this, server](Status st) {
    if (!st) {
      Error e = st.error();
      e.code = "unreachable";
      return finish(e);
    }
    (void)tcp_.set_nodelay(true);
    finish(std::move(tcp_));
  });
}

void TcpConnector::finish(Result<loop::Tcp> result) {
  if (!done_) return;
  timer_.stop();
  if (!result) tcp_.close();
  auto done = std::move(done_);
  done_ = nullptr;
  done(std::move(result));  // may destroy this
}

// --- TCP and TLS control links --------------------------------------------------------------

TcpLink::TcpLink(loop::Loop& loop, net::Endpoint server, std::uint64_t connect_timeout_ms,
                 std::optional<net::Endpoint> local, std::optional<TlsSettings> tls)
    : SocketLink(server), loop_(loop), connect_timeout_ms_(connect_timeout_ms), bind_(local),
      tls_settings_(std::move(tls)) {}

void TcpLink::open(FrameFn on_frame, DoneFn on_ready, DoneFn on_fail) {
  on_frame_ = std::move(on_frame);
  on_fail_ = std::move(on_fail);
  if (!tls_settings_) return connect(std::move(on_ready));
  // The CA file (or the system store) is read off the loop, before connecting.
  trust_work_ = tls::load_trust(loop_, tls_settings_->ca_file, [this, on_ready = std::move(on_ready)](tls::TrustResult r) {
    if (!r) return on_ready(r.error());
    trust_ = std::move(*r);
    connect(std::move(on_ready));
  });
}

void TcpLink::connect(DoneFn on_ready) {
  connector_ = std::make_unique<TcpConnector>(
      loop_, server_, bind_, connect_timeout_ms_, [this, on_ready = std::move(on_ready)](Result<loop::Tcp> r) mutable {
        auto done = std::move(on_ready);
        connector_.reset();
        if (!r) return done(r.error());
        on_connected(std::move(*r), std::move(done));
      });
}

void TcpLink::on_connected(loop::Tcp tcp, DoneFn done) {
  if (auto ep = tcp.local_endpoint()) local_ = *ep;
  auto on_end = [this](Status end) {
    fail(end.ok() ? Status{Error{"closed", "the TURN server closed the connection"}} : end);
  };
  if (tls_settings_) {
    tls::StreamOptions o;
    o.client.trust = trust_;
    o.client.server_name = tls_settings_->server_name;
    o.handshake_timeout_ms = connect_timeout_ms_;
    tls_ = std::make_unique<tls::TlsStream>(loop_, std::move(tcp), std::move(o));
    tls_->start(
        [this, done = std::move(done)](Status st) {
          if (!st) return done(st);
          connected_ = true;
          done(Status{});
        },
        [this](std::span<const std::uint8_t> bytes) { on_bytes(bytes); }, on_end);
    return;
  }
  tcp_ = std::move(tcp);
  auto st = tcp_.read_start([this](std::span<const std::uint8_t> bytes) { on_bytes(bytes); }, on_end);
  if (!st) {
    tcp_.close();
    return done(st.error());
  }
  connected_ = true;
  done(Status{});
}

void TcpLink::on_bytes(std::span<const std::uint8_t> bytes) {
  // on_frame_ may close the link: later frames of this read are dropped then.
  auto fed = reader_.feed(bytes, [this](std::span<const std::uint8_t> f) {
    if (connected_) on_frame_(f);
  });
  if (!fed && connected_) fail(fed.error());
}

void TcpLink::fail(Status status) {
  if (!connected_) return;
  if (tls_) tls_->close();
  tcp_.close();
  connected_ = false;
  if (on_fail_) on_fail_(status);
}

// The callbacks are kept (one of them may be running): connected_ guards them.
void TcpLink::close() {
  trust_work_.cancel();
  connector_.reset();
  if (tls_) tls_->close();
  tcp_.close();
  connected_ = false;
}

Status TcpLink::send_frame(std::span<const std::uint8_t> frame) {
  if (!connected_) return Error{"closed", "the link is not connected"};
  if (tls_) return tls_->write(frame);
  tcp_.write(std::vector<std::uint8_t>(frame.begin(), frame.end()));
  return {};
}

}  // namespace p2pd::traverse::turn
