#include "core/pipe/tcp_transport.hpp"

namespace p2pd::pipe {

TcpTransport::TcpTransport(loop::Tcp tcp, Lingerer& lingerer, std::size_t low_water, std::uint64_t linger_ms)
    : tcp_(std::move(tcp)), lingerer_(lingerer), low_water_(low_water), linger_ms_(linger_ms) {
  if (auto l = tcp_.local_endpoint(); l.ok()) local_ = *l;
  if (auto r = tcp_.remote_endpoint(); r.ok()) remote_ = *r;
  (void)tcp_.set_nodelay(true);
}

TcpTransport::~TcpTransport() { close(false); }

Status TcpTransport::start(TransportHandler* handler) {
  handler_ = handler;
  set_reading(true);
  if (!tcp_.is_open()) return Error{"closed", "tcp connection is closed"};
  return {};
}

void TcpTransport::set_reading(bool on) {
  if (!tcp_.is_open() || ended_ || on == reading_) return;
  reading_ = on;
  if (!on) return tcp_.read_stop();
  auto st = tcp_.read_start(
      [this](std::span<const std::uint8_t> data) {
        if (handler_ && remote_) handler_->on_transport_data(data, *remote_);
        else if (handler_) handler_->on_transport_data(data, net::Endpoint{});
      },
      [this](Status end) { on_end(std::move(end)); });
  if (!st.ok()) on_end(st);
}

void TcpTransport::on_end(Status status) {
  if (ended_) return;
  ended_ = true;
  reading_ = false;
  if (handler_) handler_->on_transport_end(std::move(status));
}

Status TcpTransport::send(std::vector<std::uint8_t> bytes, const std::optional<net::Endpoint>& to) {
  if (!tcp_.is_open()) return Error{"closed", "tcp connection is closed"};
  if (shut_down_) return Error{"closed", "tcp connection was shut down for sending"};
  if (to && remote_ && !(*to == *remote_))
    return Error{"bad_request", "a TCP pipe sends only to its remote end " + remote_->to_string()};
  tcp_.write(std::move(bytes), [this, alive = std::weak_ptr<char>(alive_)](Status st) {
    if (alive.expired() || !handler_) return;
    if (!st.ok()) {
      if (!ended_) {
        ended_ = true;
        handler_->on_transport_end(st);
      }
      return;
    }
    if (tcp_.write_queue_size() <= low_water_) handler_->on_transport_drained();
  });
  return {};
}

void TcpTransport::shutdown_write() {
  if (!tcp_.is_open() || shut_down_) return;
  shut_down_ = true;
  tcp_.shutdown();
}

void TcpTransport::close(bool graceful) {
  handler_ = nullptr;
  alive_.reset();
  if (!tcp_.is_open()) return;
  if (graceful) {
    lingerer_.adopt(std::move(tcp_), linger_ms_);
  } else {
    tcp_.close();
  }
}

}  // namespace p2pd::pipe
