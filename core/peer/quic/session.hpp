#pragma once
// One QUIC connection to one peer (ngtcp2 0.12 + GnuTLS) over one Path. TLS 1.3 with
// certificates made from the Ed25519 identities, the peer's key pinned in the handshake
// (tls_session.hpp). Application data waits for handshake_confirmed. All on the loop
// thread: a loop::Timer sleeps until ngtcp2_conn_get_expiry; outgoing packets are batched
// into one Path::send (sendmmsg on UDP).
//
// Callbacks never run inside a call into the session: they run from the session's own
// I/O and timer events, and the session (or a stream) may be destroyed inside any of them.
#include <ngtcp2/ngtcp2.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/peer/path.hpp"
#include "core/peer/quic/session_config.hpp"
#include "core/peer/quic/stream.hpp"
#include "core/peer/quic/tls_session.hpp"
#include "core/result.hpp"

namespace p2pd::peer::quic {

struct SessionStats {
  std::uint64_t packets_sent = 0;
  std::uint64_t packets_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t packets_dropped = 0;   // not accepted by ngtcp2 (garbage, after close)
  std::uint64_t send_would_block = 0;  // the path's buffer was full
  std::uint64_t handshake_us = 0;      // start to confirmed
};

// What ngtcp2's recovery and congestion control currently see.
struct CongestionInfo {
  std::uint64_t smoothed_rtt_us = 0;
  std::uint64_t min_rtt_us = 0;
  std::uint64_t cwnd = 0;             // bytes
  std::uint64_t bytes_in_flight = 0;
  std::uint64_t delivery_rate_bps = 0;  // bytes per second, as estimated by ngtcp2
};

class Session {
 public:
  struct Callbacks {
    std::function<void()> on_established;                          // handshake confirmed
    std::function<void(std::shared_ptr<Stream>)> on_stream_opened;  // the peer opened a stream
    // Once, when the connection ends other than by close(): the peer closed, idle
    // timeout, handshake failure (pin mismatch: code "handshake_failed"), path lost.
    std::function<void(Error)> on_closed;
  };

  // Client: starts the handshake at once.
  static Result<std::unique_ptr<Session>> connect(loop::Loop& loop, std::unique_ptr<Path> path,
                                                  const SessionConfig& config, Callbacks callbacks = {});
  // Server: `first` is the client's first datagram (a QUIC Initial, see looks_like_initial),
  // or empty to wait for it on the path (TCP paths).
  static Result<std::unique_ptr<Session>> accept(loop::Loop& loop, std::unique_ptr<Path> path,
                                                 std::span<const std::uint8_t> first, const SessionConfig& config,
                                                 Callbacks callbacks = {});
  // Whether a datagram from an unknown sender is a client's first packet.
  static bool looks_like_initial(std::span<const std::uint8_t> datagram);

  ~Session();  // sends CONNECTION_CLOSE (no error) if still open
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void set_callbacks(Callbacks callbacks) { callbacks_ = std::move(callbacks); }

  // Needs established(); error "not_ready" before, "limit" when the peer allows no more.
  Result<std::shared_ptr<Stream>> open_stream();
  // Closes with an application error code and reason (both sent to the peer); no
  // on_closed for the session; its streams hear on_closed("closed") on a later turn.
  void close(std::uint64_t app_error = 0, std::string_view reason = {});

  bool established() const { return established_; }
  bool is_closed() const { return closed_; }
  Role role() const { return role_; }
  // The key the peer proved in the handshake (set once the peer's certificate passed;
  // nullopt before, also on an accepted TCP session that has not seen its first packet).
  std::optional<PublicKey> peer_key() const;
  const Path& path() const { return *path_; }
  const std::optional<Error>& close_reason() const { return close_reason_; }
  const SessionStats& stats() const { return stats_; }
  CongestionInfo congestion() const;
  std::size_t max_datagram() const { return max_datagram_; }
  std::size_t stream_count() const { return streams_.size(); }

 private:
  friend struct SessionCallbacks;
  friend class Stream;

  Session(loop::Loop& loop, std::unique_ptr<Path> path, const SessionConfig& config, Role role);
  Status start(const ngtcp2_cid* dcid, const ngtcp2_cid* scid, std::uint32_t version,
               const ngtcp2_cid* original_dcid);
  Status start_server(std::span<const std::uint8_t> first);
  void bind_path();
  void on_datagram(std::span<const std::uint8_t> bytes);
  void on_path_closed(Status why);
  void on_timer();
  void write_packets();
  bool flush(std::size_t count);  // false: blocked or failed
  void schedule_write(std::uint64_t delay_ms = 0);
  void arm_timer();
  void handle_error(int liberr);
  void send_close(const ngtcp2_connection_close_error& ccerr);
  void finish(Error reason);
  void post(std::function<void()> event) { events_.push_back(std::move(event)); }
  void dispatch();

  // Streams
  std::shared_ptr<Stream> add_stream(std::int64_t id);
  std::shared_ptr<Stream> find_stream(std::int64_t id);
  void mark_ready(Stream& stream);
  void on_stream_written(Stream& stream);
  void on_stream_consumed(Stream& stream, std::size_t n);
  void on_stream_stop_reading(Stream& stream);
  void on_stream_reset(Stream& stream, std::uint64_t app_error);
  void post_readable(const std::shared_ptr<Stream>& stream);
  void stream_closed(std::int64_t id, Status how);

  loop::Loop& loop_;
  std::unique_ptr<Path> path_;
  SessionConfig config_;
  Role role_;
  Callbacks callbacks_;
  std::unique_ptr<TlsSession> tls_;
  ngtcp2_conn* conn_ = nullptr;
  sockaddr_storage local_addr_{};
  socklen_t local_len_ = 0;
  sockaddr_storage remote_addr_{};
  socklen_t remote_len_ = 0;

  loop::Timer timer_;   // ngtcp2 expiry
  loop::Timer kick_;    // "write soon" (after this batch of reads) and send retries
  bool kick_pending_ = false;

  std::size_t max_datagram_ = 1200;
  std::size_t batch_cap_ = 1;
  std::vector<std::uint8_t> txbuf_;       // batch_cap_ slots of max_datagram_ bytes
  std::size_t tx_lens_[64] = {};
  std::size_t tx_pending_ = 0;  // packets at the front of txbuf_ the path has not taken yet

  std::map<std::int64_t, std::shared_ptr<Stream>> streams_;
  std::deque<std::int64_t> ready_;  // round-robin order of streams with data to send

  bool handshake_completed_ = false;
  bool established_ = false;
  bool closed_ = false;
  std::optional<Error> close_reason_;
  std::uint64_t started_ns_ = 0;
  SessionStats stats_;
  std::vector<std::function<void()>> events_;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace p2pd::peer::quic
