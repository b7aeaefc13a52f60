// Session: the send side — the write loop over ngtcp2_conn_writev_stream with round-robin
// stream scheduling, batching into Path::send, and the expiry timer.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/peer/quic/clock.hpp"
#include "core/peer/quic/session.hpp"

namespace p2pd::peer::quic {

namespace {
constexpr std::size_t kMaxVecs = 16;
// Packets per write pass before yielding to the loop (reads, ACKs, other sessions).
constexpr std::size_t kPassPackets = 256;
}  // namespace

void Session::schedule_write(std::uint64_t delay_ms) {
  if (closed_ || kick_pending_) return;
  kick_pending_ = true;
  kick_.start(delay_ms, 0, [this] {
    kick_pending_ = false;
    write_packets();
    dispatch();
  });
}

void Session::arm_timer() {
  if (closed_) return;
  ngtcp2_tstamp expiry = ngtcp2_conn_get_expiry(conn_);
  if (expiry == UINT64_MAX) {
    timer_.stop();
    return;
  }
  std::uint64_t now = now_ns();
  std::uint64_t delay_ms = expiry > now ? (expiry - now) / 1'000'000 : 0;
  timer_.start(delay_ms, 0, [this] { on_timer(); });
}

void Session::on_timer() {
  if (closed_) return;
  std::uint64_t now = now_ns();
  if (ngtcp2_conn_get_expiry(conn_) <= now) {
    int rv = ngtcp2_conn_handle_expiry(conn_, now);
    if (rv != 0) {
      handle_error(rv);
      dispatch();
      return;
    }
  }
  write_packets();
  dispatch();
}

bool Session::flush(std::size_t count) {
  if (count == 0) return true;
  std::span<const std::uint8_t> packets[64];
  // Packets are laid out max_datagram_ apart in txbuf_; their lengths are kept in tx_lens_.
  for (std::size_t i = 0; i < count; ++i) packets[i] = {txbuf_.data() + i * max_datagram_, tx_lens_[i]};
  auto taken = path_->send(std::span<const std::span<const std::uint8_t>>(packets, count));
  if (!taken) {
    finish(Error{"path_closed", "path " + path_->describe() + ": " + taken.error().message});
    return false;
  }
  for (std::size_t i = 0; i < *taken; ++i) {
    ++stats_.packets_sent;
    stats_.bytes_sent += tx_lens_[i];
  }
  if (*taken == count) {
    tx_pending_ = 0;
    return true;
  }
  // Keep the rest at the front of the buffer and retry shortly (UDP) or when the path
  // says it is writable again (TCP).
  ++stats_.send_would_block;
  for (std::size_t i = *taken; i < count; ++i) {
    std::copy_n(txbuf_.data() + i * max_datagram_, tx_lens_[i], txbuf_.data() + (i - *taken) * max_datagram_);
    tx_lens_[i - *taken] = tx_lens_[i];
  }
  tx_pending_ = count - *taken;
  schedule_write(path_->kind() == PathKind::udp ? 1 : 5);
  return false;
}

void Session::write_packets() {
  if (closed_ || !conn_) return;
  if (tx_pending_ > 0 && !flush(tx_pending_)) return;

  ngtcp2_tstamp ts = now_ns();
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi{};
  std::size_t count = 0, total = 0;
  std::size_t tries = 0;  // stream attempts for the packet being built

  for (;;) {
    std::uint8_t* dest = txbuf_.data() + count * max_datagram_;
    std::shared_ptr<Stream> stream;
    if (established_ && tries <= ready_.size()) {
      while (!ready_.empty() && !stream) {
        std::int64_t id = ready_.front();
        ready_.pop_front();
        auto it = streams_.find(id);
        if (it == streams_.end()) continue;
        it->second->in_ready_ = false;
        if (it->second->wants_send()) stream = it->second;
      }
    }
    ngtcp2_vec vecs[kMaxVecs];
    std::size_t nvec = 0, vec_bytes = 0;
    std::uint32_t flags = NGTCP2_WRITE_STREAM_FLAG_MORE;
    std::int64_t sid = -1;
    if (stream) {
      sid = stream->id_;
      for (std::size_t off = stream->tx_inflight_; nvec < kMaxVecs;) {
        auto run = stream->tx_.run_at(off);
        if (run.empty()) break;
        vecs[nvec++] = {const_cast<std::uint8_t*>(run.data()), run.size()};
        vec_bytes += run.size();
        off += run.size();
      }
      if (stream->fin_requested_ && stream->tx_inflight_ + vec_bytes == stream->tx_.size())
        flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
      ++tries;
    }
    ngtcp2_ssize datalen = -1;
    ngtcp2_ssize n = ngtcp2_conn_writev_stream(conn_, &ps.path, &pi, dest, max_datagram_, &datalen, flags, sid,
                                               nvec ? vecs : nullptr, nvec, ts);
    if (stream && datalen >= 0) {
      stream->tx_inflight_ += static_cast<std::size_t>(datalen);
      if (stream->unsent_waiting_ && stream->unsent() <= stream->unsent_low_water_) {
        stream->unsent_waiting_ = false;
        post([stream] {
          if (!stream->closed_ && stream->on_writable_) stream->on_writable_();
        });
      }
      if ((flags & NGTCP2_WRITE_STREAM_FLAG_FIN) && static_cast<std::size_t>(datalen) == vec_bytes)
        stream->fin_sent_ = true;
    }
    if (n < 0) {
      if (n == NGTCP2_ERR_WRITE_MORE) {
        if (stream) mark_ready(*stream);
        continue;
      }
      if (n == NGTCP2_ERR_STREAM_DATA_BLOCKED) {
        stream->blocked_ = true;  // retried when credit arrives (extend_max_stream_data or any read)
        continue;
      }
      if (n == NGTCP2_ERR_STREAM_SHUT_WR || n == NGTCP2_ERR_STREAM_NOT_FOUND) {
        stream->tx_dead_ = true;
        continue;
      }
      handle_error(static_cast<int>(n));
      return;
    }
    if (stream) mark_ready(*stream);
    if (n == 0) break;  // nothing more now (congestion window, pacing, or done)
    tx_lens_[count++] = static_cast<std::size_t>(n);
    tries = 0;
    ++total;
    if (count == batch_cap_) {
      if (!flush(count)) return;
      count = 0;
      if (total >= kPassPackets) {
        schedule_write();
        break;
      }
    }
  }
  if (count > 0 && !flush(count)) return;
  if (handshake_completed_ && config_.pacing) ngtcp2_conn_update_pkt_tx_time(conn_, ts);
  arm_timer();
}

}  // namespace p2pd::peer::quic
