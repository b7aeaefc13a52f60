#include "core/peer/quic/session_callbacks.hpp"

#include <ngtcp2/ngtcp2_crypto.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "core/peer/quic/clock.hpp"
#include "core/peer/quic/session.hpp"

namespace p2pd::peer::quic {

namespace {

Session* self(void* user_data) { return static_cast<Session*>(user_data); }

void rand_cb(std::uint8_t* dest, std::size_t len, const ngtcp2_rand_ctx*) { randombytes_buf(dest, len); }

int new_cid_cb(ngtcp2_conn*, ngtcp2_cid* cid, std::uint8_t* token, std::size_t cidlen, void*) {
  randombytes_buf(cid->data, cidlen);
  cid->datalen = cidlen;
  randombytes_buf(token, NGTCP2_STATELESS_RESET_TOKENLEN);
  return 0;
}

}  // namespace

void SessionCallbacks::confirm(Session& s) {
  if (s.established_) return;
  s.established_ = true;
  s.stats_.handshake_us = (now_ns() - s.started_ns_) / 1000;
  Session* sp = &s;
  s.post([sp] {
    if (sp->callbacks_.on_established) sp->callbacks_.on_established();
  });
  // Streams written before confirmation wait in ready_: send them now.
  sp->schedule_write();
}

ngtcp2_callbacks SessionCallbacks::table(bool server) {
  ngtcp2_callbacks cb{};
  if (server) {
    cb.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
  } else {
    cb.client_initial = ngtcp2_crypto_client_initial_cb;
    cb.recv_retry = ngtcp2_crypto_recv_retry_cb;
  }
  cb.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
  cb.encrypt = ngtcp2_crypto_encrypt_cb;
  cb.decrypt = ngtcp2_crypto_decrypt_cb;
  cb.hp_mask = ngtcp2_crypto_hp_mask_cb;
  cb.update_key = ngtcp2_crypto_update_key_cb;
  cb.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
  cb.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
  cb.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
  cb.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
  cb.rand = rand_cb;
  cb.get_new_connection_id = new_cid_cb;

  cb.handshake_completed = [](ngtcp2_conn*, void* ud) {
    Session* s = self(ud);
    if (!s->tls_->alpn_negotiated()) {
      spdlog::warn("quic: peer did not negotiate ALPN {}", kAlpn);
      return NGTCP2_ERR_CALLBACK_FAILURE;
    }
    s->handshake_completed_ = true;
    // A server's handshake is confirmed when it completes (RFC 9001, 4.1.2): by then it
    // has verified the client's certificate. ngtcp2 0.12 calls handshake_confirmed only
    // on the client (when HANDSHAKE_DONE arrives).
    if (s->role_ == Role::server) confirm(*s);
    return 0;
  };
  cb.handshake_confirmed = [](ngtcp2_conn*, void* ud) {
    confirm(*self(ud));
    return 0;
  };
  cb.stream_open = [](ngtcp2_conn*, std::int64_t id, void* ud) {
    Session* s = self(ud);
    auto stream = s->add_stream(id);
    s->post([s, stream] {
      if (s->callbacks_.on_stream_opened) s->callbacks_.on_stream_opened(stream);
    });
    return 0;
  };
  cb.recv_stream_data = [](ngtcp2_conn*, std::uint32_t flags, std::int64_t id, std::uint64_t,
                           const std::uint8_t* data, std::size_t len, void* ud, void*) {
    Session* s = self(ud);
    auto stream = s->find_stream(id);
    if (!stream) return 0;
    if (stream->rx_stopped_) {
      // The application is gone: give the credit straight back.
      ngtcp2_conn_extend_max_offset(s->conn_, len);
      return 0;
    }
    stream->rx_.append({data, len});
    if (flags & NGTCP2_STREAM_DATA_FLAG_FIN) stream->rx_fin_ = true;
    s->post_readable(stream);
    return 0;
  };
  cb.acked_stream_data_offset = [](ngtcp2_conn*, std::int64_t id, std::uint64_t, std::uint64_t len, void* ud,
                                   void*) {
    Session* s = self(ud);
    auto stream = s->find_stream(id);
    if (!stream) return 0;
    std::size_t n = std::min<std::size_t>(len, stream->tx_inflight_);
    stream->tx_.pop(n);
    stream->tx_inflight_ -= n;
    if (stream->writer_waiting_ && stream->tx_.size() <= stream->send_limit_ / 2) {
      stream->writer_waiting_ = false;
      s->post([stream] {
        if (!stream->closed_ && stream->on_writable_) stream->on_writable_();
      });
    }
    return 0;
  };
  cb.extend_max_stream_data = [](ngtcp2_conn*, std::int64_t id, std::uint64_t, void* ud, void*) {
    Session* s = self(ud);
    if (auto stream = s->find_stream(id)) {
      stream->blocked_ = false;
      s->mark_ready(*stream);
    }
    return 0;
  };
  cb.stream_reset = [](ngtcp2_conn*, std::int64_t id, std::uint64_t, std::uint64_t app_error, void* ud, void*) {
    Session* s = self(ud);
    if (auto stream = s->find_stream(id)) {
      stream->rx_fin_ = true;  // nothing more will arrive
      stream->rx_reset_ = app_error;
      s->post_readable(stream);
    }
    return 0;
  };
  cb.stream_stop_sending = [](ngtcp2_conn*, std::int64_t id, std::uint64_t, void* ud, void*) {
    Session* s = self(ud);
    if (auto stream = s->find_stream(id)) stream->tx_dead_ = true;
    return 0;
  };
  cb.stream_close = [](ngtcp2_conn*, std::uint32_t flags, std::int64_t id, std::uint64_t app_error, void* ud,
                       void*) {
    Session* s = self(ud);
    Status how;
    if (flags & NGTCP2_STREAM_CLOSE_FLAG_APP_ERROR_CODE_SET)
      how = Error{"reset", "stream reset with application error " + std::to_string(app_error)};
    s->stream_closed(id, how);
    return 0;
  };
  return cb;
}

}  // namespace p2pd::peer::quic
