#pragma once
// The daemon's peer endpoint: the node port (UDP and TCP, IPv4 and IPv6) on which other
// daemons reach us, every QUIC session we hold (dialed or accepted), and streams by name.
//
//   auto svc = PeerService::start(loop, options, on_incoming);
//   svc->open(address, "chat", [](Result<PeerStream> s) { ... });  // dials or reuses
//   svc->open_self("echo", ...);                                   // P2PD's first example
//
// One session per peer is reused for every stream to it. A stream's first bytes are its
// open header (quic/open_header.hpp); incoming streams reach `on_incoming` with their
// name once the header is complete. Loop thread only; callbacks never run inside a call.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/peer/dialer.hpp"
#include "core/peer/path_tcp.hpp"
#include "core/peer/path_udp_mux.hpp"
#include "core/peer/quic/listener.hpp"
#include "core/peer/quic/session.hpp"
#include "core/proto/peer_address.hpp"

namespace p2pd::peer {

struct PeerServiceOptions {
  std::uint16_t port = 0;   // node port for UDP and TCP; 0 = pick one (tests)
  bool ipv4 = true;
  bool ipv6 = true;
  std::string bind_v4 = "0.0.0.0";
  std::string bind_v6 = "::";
  quic::SessionConfig session;  // credentials = ours; expected_peer_key is set per dial
  DialOptions dial;
  UdpMuxOptions udp;
  TcpPathOptions tcp;
};

// What one session is, for the API ("/v1/pipes/<name>" shows it for peer pipes).
struct PeerLinkInfo {
  quic::PublicKey key{};
  std::string peer_id;       // peer_id_of(key), identity.hpp
  std::string strategy;      // "direct" (we dialed), "inbound" (they dialed), "self"
  std::string path;          // "udp", "tcp"
  net::Endpoint local;
  net::Endpoint remote;
  std::string candidate;     // the candidate that won ("udp 192.0.2.1:4000 (nic)"), dialed only
  std::uint64_t rtt_us = 0;
  std::uint64_t handshake_us = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::size_t streams = 0;
};

struct PeerStream {
  std::shared_ptr<quic::Stream> stream;
  PeerLinkInfo link;  // at the time the stream was opened
};

struct PeerServiceStats {
  std::uint64_t dials = 0;
  std::uint64_t dial_failures = 0;
  std::uint64_t sessions_accepted = 0;
  std::uint64_t streams_in = 0;
  std::uint64_t streams_out = 0;
  std::uint64_t bad_headers = 0;
};

class PeerService {
 public:
  using IncomingFn = std::function<void(PeerStream stream, std::string name)>;
  using OpenFn = std::function<void(Result<PeerStream>)>;

  static Result<std::unique_ptr<PeerService>> start(loop::Loop& loop, PeerServiceOptions options,
                                                    IncomingFn on_incoming);
  ~PeerService();  // closes every session (peers see "going away")
  PeerService(const PeerService&) = delete;
  PeerService& operator=(const PeerService&) = delete;

  // Opens a stream named `name` to the peer at `address`, over its session or a new one
  // (direct candidates raced). `done` runs once, later; never after destruction.
  // `only` forces the path kind: the session used (reused or dialed) is one over that kind
  // of path, and only candidates of that kind are dialed; a peer may then hold one session
  // per kind. Unset: any session to the peer, every candidate.
  void open(const proto::peer::PeerAddress& address, std::string name, OpenFn done,
            std::optional<PathKind> only = std::nullopt);
  // The same to this daemon itself, over loopback.
  void open_self(std::string name, OpenFn done, std::optional<PathKind> only = std::nullopt);
  // Only the session (dialed or reused), no stream: what the link looks like.
  using ConnectFn = std::function<void(Result<PeerLinkInfo>)>;
  void connect(const proto::peer::PeerAddress& address, ConnectFn done, std::optional<PathKind> only = std::nullopt);
  void connect_self(ConnectFn done, std::optional<PathKind> only = std::nullopt);

  std::uint16_t port() const { return port_; }
  const quic::PublicKey& own_key() const { return options_.session.credentials->public_key(); }
  std::vector<PeerLinkInfo> links() const;
  const PeerServiceStats& stats() const { return stats_; }

  // Live information about the session a stream belongs to (nullopt once it is gone).
  std::optional<PeerLinkInfo> link_of(const quic::Stream& stream) const;

 private:
  struct Link {
    std::unique_ptr<quic::Session> session;
    quic::PublicKey key{};
    std::string strategy;
    std::string candidate;
    std::vector<std::weak_ptr<quic::Stream>> streams;
  };
  struct PendingDial {
    std::unique_ptr<Dialer> dialer;
    std::vector<std::pair<std::string, OpenFn>> waiters;
    bool self = false;
  };

  PeerService(loop::Loop& loop, PeerServiceOptions options, IncomingFn on_incoming);
  Status listen();
  // A dial in progress: to whom, to ourselves or not, and the forced path kind if any.
  using DialKey = std::tuple<quic::PublicKey, bool, std::optional<PathKind>>;

  void dial(DialKey id, std::vector<DialCandidate> candidates, std::string name, OpenFn done);
  void dialed(const DialKey& id, Result<Dialer::Win> result);
  Link& adopt(std::unique_ptr<quic::Session> session, std::string strategy, std::string candidate);
  void accepted(std::unique_ptr<quic::Session> session);
  void on_tcp_connection(loop::Tcp& listener);
  void on_stream_opened(Link* link, std::shared_ptr<quic::Stream> stream);
  void drop(Link* link);
  Link* find_link(const quic::PublicKey& key, bool self, std::optional<PathKind> only);
  void open_on(Link& link, std::string name, OpenFn done);
  PeerLinkInfo info(const Link& link) const;
  UdpMux* mux_for(net::Family family, bool self);
  void later(std::function<void()> fn);

  loop::Loop& loop_;
  PeerServiceOptions options_;
  IncomingFn on_incoming_;
  std::uint16_t port_ = 0;
  std::unique_ptr<UdpMux> udp4_, udp6_, self_udp_;
  std::unique_ptr<quic::Listener> listen4_, listen6_;
  std::unique_ptr<loop::Tcp> tcp4_, tcp6_;
  std::vector<std::unique_ptr<Link>> links_;
  std::map<DialKey, PendingDial> dials_;
  std::vector<std::function<void()>> deferred_;
  loop::Timer defer_timer_;
  PeerServiceStats stats_;
};

}  // namespace p2pd::peer
