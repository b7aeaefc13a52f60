#pragma once
// Tunables of a QUIC session. Defaults suit the daemon; tests shorten the timeouts.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "core/peer/quic/certificate.hpp"

namespace p2pd::peer::quic {

enum class Congestion { cubic, reno, bbr };

struct SessionConfig {
  std::shared_ptr<Credentials> credentials;  // from this daemon's Ed25519 identity
  // Client: the key in the peer address (required to connect). Server: usually empty
  // (any key is accepted and exposed as peer_key()); set it to admit only that peer.
  std::optional<PublicKey> expected_peer_key;

  std::uint64_t idle_timeout_ms = 30'000;
  std::uint64_t keep_alive_ms = 10'000;      // PING when idle this long; 0 = off
  std::uint64_t handshake_timeout_ms = 10'000;
  Congestion congestion = Congestion::cubic;
  bool pacing = true;                        // after the handshake (never during it)

  // 0 = the path's max_datagram_size(); otherwise the smaller of the two.
  std::size_t max_datagram = 0;

  std::uint64_t stream_window = 1 << 20;       // initial per-stream receive window
  std::uint64_t max_stream_window = 16 << 20;  // auto-tuning cap = per-stream receive memory bound
  std::uint64_t connection_window = 4 << 20;
  std::uint64_t max_connection_window = 64 << 20;
  std::uint64_t max_streams = 1024;            // concurrent streams the peer may open
  std::size_t stream_send_limit = 4 << 20;     // unsent + unacked bytes per stream before would-block
};

}  // namespace p2pd::peer::quic
