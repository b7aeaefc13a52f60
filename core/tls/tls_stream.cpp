#include "core/tls/tls_stream.hpp"

#include <string>

#include "core/tls/tls_errors.hpp"

namespace p2pd::tls {

TlsStream::TlsStream(loop::Loop& loop, loop::Tcp connected, StreamOptions options)
    : loop_(loop), tcp_(std::move(connected)), deadline_(loop), options_(std::move(options)) {}

void TlsStream::start(DoneFn on_ready, DataFn on_data, DoneFn on_end) {
  on_ready_ = std::move(on_ready);
  on_data_ = std::move(on_data);
  on_end_ = std::move(on_end);
  auto made = TlsClient::create(options_.client);
  if (!made) return finish_handshake(made.error());
  client_ = std::move(*made);
  const std::string name = options_.client.server_name;
  const std::uint64_t ms = options_.handshake_timeout_ms;
  deadline_.start(ms, 0, [this, name, ms] {
    finish_handshake(Error{"tls_handshake", "TLS handshake with " + name + " did not finish within " +
                                                std::to_string(ms) + " ms"});
  });
  auto st = tcp_.read_start([this](std::span<const std::uint8_t> bytes) { on_cipher(bytes); },
                            [this, name](Status end_status) {
                              if (client_ && client_->state() == TlsClient::State::handshaking) {
                                std::string why = end_status.ok() ? "the server closed the connection"
                                                                  : end_status.error().message;
                                return finish_handshake(
                                    Error{"tls_handshake", "TLS handshake with " + name + " failed: " + why});
                              }
                              end(end_status);
                            });
  if (!st) return finish_handshake(st.error());
  if (auto hs = client_->start(); !hs) return finish_handshake(hs.error());
  flush();
}

void TlsStream::on_cipher(std::span<const std::uint8_t> bytes) {
  if (closed_ || !client_) return;
  const bool was_handshaking = client_->state() == TlsClient::State::handshaking;
  auto plain = client_->feed(bytes);
  flush();  // handshake messages, alerts (also the one telling a rejected server why)
  if (!plain) return was_handshaking ? finish_handshake(plain.error()) : end(plain.error());
  if (was_handshaking && client_->is_open()) {
    std::weak_ptr<char> alive = alive_;
    finish_handshake(Status{});
    if (alive.expired() || closed_) return;
  }
  if (!plain->empty() && on_data_) {
    std::weak_ptr<char> alive = alive_;
    on_data_(*plain);
    if (alive.expired() || closed_) return;
  }
  if (client_->peer_closed()) end(Status{});
}

void TlsStream::flush() {
  if (!client_) return;
  auto out = client_->take_output();
  if (!out.empty() && tcp_.is_open()) tcp_.write(std::move(out));
}

void TlsStream::finish_handshake(Status st) {
  if (closed_ || !on_ready_) return;
  deadline_.stop();
  auto done = std::exchange(on_ready_, nullptr);
  if (!st) {
    closed_ = true;
    tcp_.close();
    return done(st);
  }
  if (!early_.empty()) {
    auto bytes = std::exchange(early_, {});
    if (auto w = client_->write(bytes); !w) {
      closed_ = true;
      tcp_.close();
      return done(w.error());
    }
    flush();
  }
  done(Status{});
}

void TlsStream::end(Status st) {
  if (closed_) return;
  closed_ = true;
  deadline_.stop();
  tcp_.close();
  if (on_ready_) {  // still in the handshake
    auto done = std::exchange(on_ready_, nullptr);
    return done(st.ok() ? Status{Error{"tls_handshake", "the TLS session ended during the handshake"}} : st);
  }
  if (auto fn = std::exchange(on_end_, nullptr)) fn(st);
}

Status TlsStream::write(std::span<const std::uint8_t> plaintext) {
  if (closed_ || !client_) return Error{"closed", "the TLS connection is closed"};
  if (client_->state() == TlsClient::State::handshaking) {
    early_.insert(early_.end(), plaintext.begin(), plaintext.end());
    return {};
  }
  if (auto st = client_->write(plaintext); !st) return st;
  flush();
  return {};
}

std::optional<net::Endpoint> TlsStream::local() const {
  if (!tcp_.is_open()) return std::nullopt;
  auto ep = tcp_.local_endpoint();
  if (!ep) return std::nullopt;
  return *ep;
}

void TlsStream::close() {
  if (closed_) return;
  closed_ = true;
  deadline_.stop();
  // The callbacks stay (one of them may be running this): closed_ silences them.
  if (client_ && client_->is_open() && tcp_.is_open()) {
    client_->bye();
    flush();
    // The socket owns itself until the close_notify and FIN are out.
    auto* lingering = new loop::Tcp(std::move(tcp_));
    lingering->read_stop();
    lingering->shutdown([lingering](Status) { delete lingering; });
    return;
  }
  tcp_.close();
}

}  // namespace p2pd::tls
