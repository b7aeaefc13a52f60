#include "core/peer/quic/session.hpp"

#include <ngtcp2/ngtcp2_crypto.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/peer/quic/clock.hpp"
#include "core/peer/quic/session_callbacks.hpp"

namespace p2pd::peer::quic {

namespace {

constexpr std::uint64_t kMs = 1'000'000;  // ngtcp2 durations are nanoseconds

ngtcp2_cc_algo cc_algo(Congestion c) {
  switch (c) {
    case Congestion::reno: return NGTCP2_CC_ALGO_RENO;
    case Congestion::bbr: return NGTCP2_CC_ALGO_BBR;
    case Congestion::cubic: break;
  }
  return NGTCP2_CC_ALGO_CUBIC;
}

ngtcp2_cid random_cid(std::size_t len) {
  ngtcp2_cid cid{};
  cid.datalen = len;
  randombytes_buf(cid.data, len);
  return cid;
}

// The peer's CONNECTION_CLOSE as an Error.
Error peer_close_error(const ngtcp2_connection_close_error& cc) {
  std::string reason(reinterpret_cast<const char*>(cc.reason), cc.reasonlen);
  if (cc.type == NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_TRANSPORT_IDLE_CLOSE)
    return Error{"idle_timeout", "idle timeout"};
  std::string what = cc.type == NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_APPLICATION ? "application error "
                                                                                    : "transport error ";
  std::string message = "closed by the peer: " + what + std::to_string(cc.error_code);
  if (!reason.empty()) message += ": " + reason;
  bool tls = cc.type == NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_TRANSPORT && (cc.error_code & ~0xffull) == 0x100;
  return Error{tls ? "handshake_failed" : "closed_by_peer", message};
}

}  // namespace

Session::Session(loop::Loop& loop, std::unique_ptr<Path> path, const SessionConfig& config, Role role)
    : loop_(loop), path_(std::move(path)), config_(config), role_(role), timer_(loop), kick_(loop) {}

bool Session::looks_like_initial(std::span<const std::uint8_t> datagram) {
  ngtcp2_pkt_hd hd{};
  return ngtcp2_accept(&hd, datagram.data(), datagram.size()) == 0;
}

Result<std::unique_ptr<Session>> Session::connect(loop::Loop& loop, std::unique_ptr<Path> path,
                                                  const SessionConfig& config, Callbacks callbacks) {
  if (!path) return Error{"bad_request", "no path"};
  if (!config.expected_peer_key) return Error{"bad_request", "a client must know the peer's key"};
  std::unique_ptr<Session> s(new Session(loop, std::move(path), config, Role::client));
  s->callbacks_ = std::move(callbacks);
  ngtcp2_cid dcid = random_cid(18), scid = random_cid(16);
  if (auto st = s->start(&dcid, &scid, NGTCP2_PROTO_VER_V1, nullptr); !st) return st.error();
  s->bind_path();
  s->schedule_write();
  return s;
}

Result<std::unique_ptr<Session>> Session::accept(loop::Loop& loop, std::unique_ptr<Path> path,
                                                 std::span<const std::uint8_t> first, const SessionConfig& config,
                                                 Callbacks callbacks) {
  if (!path) return Error{"bad_request", "no path"};
  if (!first.empty() && !looks_like_initial(first)) return Error{"malformed", "not a QUIC Initial"};
  std::unique_ptr<Session> s(new Session(loop, std::move(path), config, Role::server));
  s->callbacks_ = std::move(callbacks);
  s->bind_path();
  if (!first.empty()) {
    s->on_datagram(first);
    if (s->closed_) return s->close_reason_.value_or(Error{"handshake_failed", "first packet refused"});
  }
  return s;
}

std::optional<PublicKey> Session::peer_key() const {
  if (!tls_) return std::nullopt;
  return tls_->peer_key();
}

// Server: the connection starts with the client's first Initial.
Status Session::start_server(std::span<const std::uint8_t> first) {
  ngtcp2_pkt_hd hd{};
  if (ngtcp2_accept(&hd, first.data(), first.size()) != 0) return Error{"malformed", "not a QUIC Initial"};
  ngtcp2_cid scid = random_cid(16);
  return start(&hd.scid, &scid, hd.version, &hd.dcid);
}

void Session::bind_path() {
  path_->set_receiver([this](std::span<const std::uint8_t> bytes) { on_datagram(bytes); },
                      [this](Status why) { on_path_closed(why); });
  path_->set_on_writable([this] { schedule_write(); });
}

Status Session::start(const ngtcp2_cid* dcid, const ngtcp2_cid* scid, std::uint32_t version,
                      const ngtcp2_cid* original_dcid) {
  auto tls = TlsSession::create(role_, config_.credentials, config_.expected_peer_key);
  if (!tls) return tls.error();
  tls_ = std::move(*tls);

  max_datagram_ = path_->max_datagram_size();
  if (config_.max_datagram != 0) max_datagram_ = std::min(max_datagram_, config_.max_datagram);
  max_datagram_ = std::clamp<std::size_t>(max_datagram_, 1200, 65527);
  // Up to ~1 MiB of packets per sendmmsg, at most 64.
  batch_cap_ = std::clamp<std::size_t>((1 << 20) / max_datagram_, 4, 64);
  txbuf_.resize(batch_cap_ * max_datagram_);

  local_len_ = path_->local_endpoint().to_sockaddr(local_addr_);
  remote_len_ = path_->remote_endpoint().to_sockaddr(remote_addr_);
  ngtcp2_path npath{{reinterpret_cast<sockaddr*>(&local_addr_), local_len_},
                    {reinterpret_cast<sockaddr*>(&remote_addr_), remote_len_},
                    nullptr};

  started_ns_ = now_ns();
  ngtcp2_settings settings;
  ngtcp2_settings_default(&settings);
  settings.initial_ts = started_ns_;
  settings.cc_algo = cc_algo(config_.congestion);
  settings.max_tx_udp_payload_size = max_datagram_;
  if (max_datagram_ > 1452) {
    // The path says how big datagrams may be (loopback, TCP): use that, no probing.
    settings.no_tx_udp_payload_size_shaping = 1;
    settings.no_pmtud = 1;
  }
  settings.max_window = config_.max_connection_window;
  settings.max_stream_window = config_.max_stream_window;
  settings.handshake_timeout = config_.handshake_timeout_ms * kMs;

  ngtcp2_transport_params params;
  ngtcp2_transport_params_default(&params);
  params.initial_max_stream_data_bidi_local = config_.stream_window;
  params.initial_max_stream_data_bidi_remote = config_.stream_window;
  params.initial_max_stream_data_uni = 0;
  params.initial_max_data = config_.connection_window;
  params.initial_max_streams_bidi = config_.max_streams;
  params.initial_max_streams_uni = 0;
  params.max_idle_timeout = config_.idle_timeout_ms * kMs;
  params.max_udp_payload_size = std::max<std::size_t>(max_datagram_, 1200);
  if (original_dcid) params.original_dcid = *original_dcid;

  ngtcp2_callbacks cb = SessionCallbacks::table(role_ == Role::server);
  int rv = role_ == Role::server
               ? ngtcp2_conn_server_new(&conn_, dcid, scid, &npath, version, &cb, &settings, &params, nullptr, this)
               : ngtcp2_conn_client_new(&conn_, dcid, scid, &npath, version, &cb, &settings, &params, nullptr, this);
  if (rv != 0) return Error{"quic_error", std::string("ngtcp2 connection: ") + ngtcp2_strerror(rv)};
  tls_->attach(conn_);
  if (config_.keep_alive_ms > 0) ngtcp2_conn_set_keep_alive_timeout(conn_, config_.keep_alive_ms * kMs);

  return {};
}

Session::~Session() {
  if (!closed_) close(0, {});
  for (auto& [id, stream] : streams_) {
    stream->session_ = nullptr;
    stream->closed_ = true;
  }
  if (conn_) ngtcp2_conn_del(conn_);
  if (path_) path_->close();
}

CongestionInfo Session::congestion() const {
  CongestionInfo info;
  if (!conn_) return info;
  ngtcp2_conn_stat cs{};
  ngtcp2_conn_get_conn_stat(conn_, &cs);
  info.smoothed_rtt_us = cs.smoothed_rtt / 1000;
  info.min_rtt_us = cs.min_rtt == UINT64_MAX ? 0 : cs.min_rtt / 1000;
  info.cwnd = cs.cwnd;
  info.bytes_in_flight = cs.bytes_in_flight;
  info.delivery_rate_bps = cs.delivery_rate_sec;
  return info;
}

void Session::on_datagram(std::span<const std::uint8_t> bytes) {
  if (closed_) {
    ++stats_.packets_dropped;
    return;
  }
  if (!conn_) {
    // A server waiting for the client's first packet (TCP paths start this way).
    if (auto st = start_server(bytes); !st) {
      ++stats_.packets_dropped;
      return;
    }
  }
  ++stats_.packets_received;
  stats_.bytes_received += bytes.size();
  ngtcp2_path npath{{reinterpret_cast<sockaddr*>(&local_addr_), local_len_},
                    {reinterpret_cast<sockaddr*>(&remote_addr_), remote_len_},
                    nullptr};
  ngtcp2_pkt_info pi{};
  int rv = ngtcp2_conn_read_pkt(conn_, &npath, &pi, bytes.data(), bytes.size(), now_ns());
  if (rv == NGTCP2_ERR_DISCARD_PKT) {
    ++stats_.packets_dropped;
  } else if (rv != 0) {
    handle_error(rv);
  } else {
    // Credit may have arrived: let blocked streams try again.
    for (auto& [id, stream] : streams_)
      if (stream->blocked_) {
        stream->blocked_ = false;
        mark_ready(*stream);
      }
    schedule_write();
  }
  dispatch();
}

void Session::on_path_closed(Status why) {
  finish(Error{"path_closed", "path " + path_->describe() + " lost: " + why.error().message});
  dispatch();
}

void Session::handle_error(int liberr) {
  if (closed_) return;
  ngtcp2_connection_close_error cc;
  ngtcp2_connection_close_error_default(&cc);
  switch (liberr) {
    case NGTCP2_ERR_DRAINING: {  // the peer sent CONNECTION_CLOSE
      ngtcp2_conn_get_connection_close_error(conn_, &cc);
      finish(peer_close_error(cc));
      return;
    }
    case NGTCP2_ERR_IDLE_CLOSE:
      finish(Error{"idle_timeout", "no packet from the peer for " + std::to_string(config_.idle_timeout_ms) + " ms"});
      return;
    case NGTCP2_ERR_HANDSHAKE_TIMEOUT:
      finish(Error{"handshake_timeout", "handshake did not finish within " +
                                            std::to_string(config_.handshake_timeout_ms) + " ms"});
      return;
    case NGTCP2_ERR_DROP_CONN:
      finish(Error{"closed", "connection dropped"});
      return;
    case NGTCP2_ERR_CRYPTO: {
      std::uint8_t alert = ngtcp2_conn_get_tls_alert(conn_);
      std::string reason = tls_->rejection();
      if (reason.empty()) reason = "TLS alert " + std::to_string(alert);
      ngtcp2_connection_close_error_set_transport_error_tls_alert(
          &cc, alert, reinterpret_cast<const std::uint8_t*>(reason.data()), reason.size());
      send_close(cc);
      finish(Error{"handshake_failed", reason});
      return;
    }
    default: {
      std::string reason = ngtcp2_strerror(liberr);
      ngtcp2_connection_close_error_set_transport_error_liberr(
          &cc, liberr, reinterpret_cast<const std::uint8_t*>(reason.data()), reason.size());
      send_close(cc);
      finish(Error{"protocol_error", reason});
    }
  }
}

void Session::send_close(const ngtcp2_connection_close_error& ccerr) {
  if (!conn_ || ngtcp2_conn_is_in_closing_period(conn_) || ngtcp2_conn_is_in_draining_period(conn_)) return;
  std::vector<std::uint8_t> buf(std::max<std::size_t>(max_datagram_, NGTCP2_MAX_UDP_PAYLOAD_SIZE));
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi{};
  auto n = ngtcp2_conn_write_connection_close(conn_, &ps.path, &pi, buf.data(), buf.size(), &ccerr, now_ns());
  if (n > 0 && path_->is_open()) (void)path_->send_one({buf.data(), static_cast<std::size_t>(n)});
}

void Session::close(std::uint64_t app_error, std::string_view reason) {
  if (closed_) return;
  ngtcp2_connection_close_error cc;
  ngtcp2_connection_close_error_default(&cc);
  ngtcp2_connection_close_error_set_application_error(
      &cc, app_error, reinterpret_cast<const std::uint8_t*>(reason.data()), reason.size());
  if (tx_pending_ > 0) flush(tx_pending_);
  send_close(cc);
  finish(Error{"closed", "closed locally"});
  events_.clear();  // close() reports nothing
}

void Session::finish(Error reason) {
  if (closed_) return;
  closed_ = true;
  spdlog::info("quic {} session {}: {} ({})", role_ == Role::client ? "client" : "server", path_->describe(),
               reason.message, reason.code);
  close_reason_ = reason;
  timer_.stop();
  kick_.stop();
  for (auto& [id, stream] : streams_) {
    stream->session_ = nullptr;
    stream->closed_ = true;
    stream->report_closed_later(loop_, reason);
  }
  streams_.clear();
  ready_.clear();
  path_->close();
  post([this, reason] {
    if (callbacks_.on_closed) callbacks_.on_closed(reason);
  });
}

void Session::dispatch() {
  std::weak_ptr<char> alive = alive_;
  while (!events_.empty()) {
    auto batch = std::move(events_);
    events_.clear();
    for (auto& event : batch) {
      event();
      if (alive.expired()) return;
    }
  }
}

}  // namespace p2pd::peer::quic
