#include "core/peer/peer_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/peer/identity.hpp"
#include "core/peer/path_udp.hpp"
#include "core/peer/quic/open_header.hpp"

namespace p2pd::peer {
namespace {

constexpr std::uint64_t kGoingAway = 0;  // application error sent when we close a session
constexpr std::uint64_t kBadHeader = 1;  // stream reset: its open header was malformed

Result<net::Endpoint> bind_endpoint(const std::string& ip, std::uint16_t port) {
  auto addr = net::IpAddress::parse(ip);
  if (!addr) return addr.error();
  return net::Endpoint{*addr, port};
}

// For logs: an inbound session that failed before the handshake has no key yet.
std::string who(const quic::PublicKey& key) {
  return key == quic::PublicKey{} ? std::string("an unidentified peer") : peer_id_of(key);
}

}  // namespace

PeerService::PeerService(loop::Loop& loop, PeerServiceOptions options, IncomingFn on_incoming)
    : loop_(loop), options_(std::move(options)), on_incoming_(std::move(on_incoming)), defer_timer_(loop) {}

Result<std::unique_ptr<PeerService>> PeerService::start(loop::Loop& loop, PeerServiceOptions options,
                                                        IncomingFn on_incoming) {
  if (!options.session.credentials) return Error{"bad_config", "the peer service needs this daemon's identity"};
  if (!options.ipv4 && !options.ipv6) return Error{"bad_config", "the peer service needs IPv4 or IPv6"};
  std::unique_ptr<PeerService> svc(new PeerService(loop, std::move(options), std::move(on_incoming)));
  auto st = svc->listen();
  if (!st) return st.error();
  return svc;
}

PeerService::~PeerService() {
  dials_.clear();
  for (auto& link : links_) {
    link->session->set_callbacks({});
    link->session->close(kGoingAway, "going away");
  }
  links_.clear();
}

Status PeerService::listen() {
  // Port 0: the first socket picks the port and the others take the same one; when that
  // one is busy for another protocol or family, pick again.
  Error last{"bind_failed", "no port"};
  for (int attempt = 0; attempt < (options_.port == 0 ? 8 : 1); ++attempt) {
    udp4_.reset(), udp6_.reset(), tcp4_.reset(), tcp6_.reset();
    std::uint16_t port = options_.port;
    auto bind_all = [&]() -> Status {
      for (bool v6 : {false, true}) {
        if (v6 ? !options_.ipv6 : !options_.ipv4) continue;
        auto at = bind_endpoint(v6 ? options_.bind_v6 : options_.bind_v4, port);
        if (!at) return at.error();
        auto mux = UdpMux::bind(loop_, *at, options_.udp);
        if (!mux) return mux.error();
        if (port == 0) port = (*mux)->local_endpoint().port;
        at->port = port;
        auto tcp = std::make_unique<loop::Tcp>(loop_);
        if (auto b = tcp->bind(*at); !b) return b.error();
        loop::Tcp* raw = tcp.get();
        if (auto l = tcp->listen(128, [this, raw](Status s) {
              if (s) on_tcp_connection(*raw);
            });
            !l)
          return l.error();
        (v6 ? udp6_ : udp4_) = std::move(*mux);
        (v6 ? tcp6_ : tcp4_) = std::move(tcp);
      }
      return {};
    };
    auto st = bind_all();
    if (st) {
      port_ = port;
      break;
    }
    last = st.error();
  }
  if (port_ == 0) return Error{"bind_failed", "peer port: " + last.message};
  for (auto* mux : {udp4_.get(), udp6_.get()}) {
    if (!mux) continue;
    auto l = std::make_unique<quic::Listener>(loop_, *mux, options_.session,
                                              [this](std::unique_ptr<quic::Session> s) { accepted(std::move(s)); });
    (mux == udp4_.get() ? listen4_ : listen6_) = std::move(l);
  }
  spdlog::info("peer: listening on port {} (udp+tcp{}{})", port_, options_.ipv4 ? ", ipv4" : "",
               options_.ipv6 ? ", ipv6" : "");
  return {};
}

void PeerService::on_tcp_connection(loop::Tcp& listener) {
  auto conn = listener.accept();
  if (!conn) return;
  auto path = TcpPath::create(std::move(*conn), options_.tcp);
  if (!path) return;
  auto session = quic::Session::accept(loop_, std::move(*path), {}, options_.session);
  if (!session) {
    spdlog::debug("peer: refused a TCP session: {}", session.error().message);
    return;
  }
  accepted(std::move(*session));
}

void PeerService::accepted(std::unique_ptr<quic::Session> session) {
  ++stats_.sessions_accepted;
  adopt(std::move(session), "inbound", {});
}

PeerService::Link& PeerService::adopt(std::unique_ptr<quic::Session> session, std::string strategy,
                                      std::string candidate) {
  auto link = std::make_unique<Link>();
  Link* raw = link.get();
  link->session = std::move(session);
  if (auto key = link->session->peer_key()) link->key = *key;
  link->strategy = std::move(strategy);
  link->candidate = std::move(candidate);
  quic::Session::Callbacks cb;
  cb.on_established = [this, raw] {
    if (auto key = raw->session->peer_key()) raw->key = *key;
    spdlog::info("peer: {} session with {} over {}", raw->strategy, who(raw->key),
                 raw->session->path().describe());
  };
  cb.on_stream_opened = [this, raw](std::shared_ptr<quic::Stream> s) { on_stream_opened(raw, std::move(s)); };
  cb.on_closed = [this, raw](Error why) {
    spdlog::info("peer: session with {} ended: {}", who(raw->key), why.message);
    drop(raw);
  };
  link->session->set_callbacks(std::move(cb));
  links_.push_back(std::move(link));
  return *raw;
}

void PeerService::drop(Link* link) {
  auto it = std::find_if(links_.begin(), links_.end(), [&](const auto& l) { return l.get() == link; });
  if (it != links_.end()) links_.erase(it);  // inside its session's callback: allowed
}

void PeerService::on_stream_opened(Link* link, std::shared_ptr<quic::Stream> stream) {
  std::weak_ptr<quic::Stream> weak = stream;
  link->streams.push_back(weak);
  auto read_header = [this, link, weak] {
    auto s = weak.lock();
    if (!s) return;
    auto header = quic::read_open_header(*s);
    if (!header) {
      ++stats_.bad_headers;
      s->set_on_readable(nullptr);
      s->reset(kBadHeader);
      return;
    }
    if (!*header) return;  // more bytes to come
    s->set_on_readable(nullptr);
    ++stats_.streams_in;
    if (on_incoming_) on_incoming_(PeerStream{s, info(*link)}, std::move(**header));
  };
  stream->set_on_readable(read_header);
  read_header();
}

PeerService::Link* PeerService::find_link(const quic::PublicKey& key, bool self, std::optional<PathKind> only) {
  for (auto& link : links_) {
    if (!link->session->established() || link->session->is_closed() || link->key != key) continue;
    if (only && link->session->path().kind() != *only) continue;
    // Our own key is on both ends of a self session: only the side we dialed is ours to use.
    if (self != (link->strategy == "self")) continue;
    return link.get();
  }
  return nullptr;
}

void PeerService::open(const proto::peer::PeerAddress& address, std::string name, OpenFn done,
                       std::optional<PathKind> only) {
  if (address.key == own_key()) return open_self(std::move(name), std::move(done), only);
  if (Link* link = find_link(address.key, false, only)) return open_on(*link, std::move(name), std::move(done));
  dial({address.key, false, only}, direct_candidates(address), std::move(name), std::move(done));
}

void PeerService::open_self(std::string name, OpenFn done, std::optional<PathKind> only) {
  if (Link* link = find_link(own_key(), true, only)) return open_on(*link, std::move(name), std::move(done));
  std::vector<DialCandidate> candidates;
  for (bool v6 : {false, true}) {
    if (!(v6 ? udp6_ : udp4_)) continue;
    auto lo = net::Endpoint::parse(v6 ? "[::1]:" + std::to_string(port_) : "127.0.0.1:" + std::to_string(port_));
    if (!lo) continue;
    candidates.push_back({PathKind::udp, *lo, "self"});
    candidates.push_back({PathKind::tcp, *lo, "self"});
  }
  dial({own_key(), true, only}, std::move(candidates), std::move(name), std::move(done));
}

namespace {
// An empty stream name asks open_on for the link alone.
PeerService::OpenFn link_only(PeerService::ConnectFn done) {
  return [done = std::move(done)](Result<PeerStream> r) {
    if (!r) return done(r.error());
    done(std::move(r->link));
  };
}
}  // namespace

void PeerService::connect(const proto::peer::PeerAddress& address, ConnectFn done, std::optional<PathKind> only) {
  open(address, {}, link_only(std::move(done)), only);
}

void PeerService::connect_self(ConnectFn done, std::optional<PathKind> only) {
  open_self({}, link_only(std::move(done)), only);
}

UdpMux* PeerService::mux_for(net::Family family, bool self) {
  if (!self) return family == net::Family::v4 ? udp4_.get() : udp6_.get();
  // A session to ourselves cannot leave through the node socket: the socket would be
  // both ends of one remote endpoint. It gets a loopback socket of its own.
  if (family != net::Family::v4) return nullptr;
  if (!self_udp_) {
    auto lo = net::Endpoint::parse("127.0.0.1:0");
    if (!lo) return nullptr;
    auto mux = UdpMux::bind(loop_, *lo, options_.udp);
    if (!mux) return nullptr;
    self_udp_ = std::move(*mux);
  }
  return self_udp_.get();
}

void PeerService::dial(DialKey id, std::vector<DialCandidate> candidates, std::string name, OpenFn done) {
  if (auto it = dials_.find(id); it != dials_.end()) {
    it->second.waiters.emplace_back(std::move(name), std::move(done));
    return;
  }
  const quic::PublicKey key = std::get<0>(id);
  const bool self = std::get<1>(id);
  const std::optional<PathKind> only = std::get<2>(id);
  if (only) {
    std::erase_if(candidates, [kind = *only](const DialCandidate& c) { return c.kind != kind; });
    if (candidates.empty()) {
      ++stats_.dial_failures;
      later([done = std::move(done), kind = *only] {
        done(Error{"unreachable", std::string("no ") + path_kind_name(kind) + " candidate to dial"});
      });
      return;
    }
  }
  ++stats_.dials;
  quic::SessionConfig config = options_.session;
  config.expected_peer_key = key;
  PendingDial& pending = dials_[id];
  pending.self = self;
  pending.waiters.emplace_back(std::move(name), std::move(done));
  pending.dialer = std::make_unique<Dialer>(
      loop_, [this, self](net::Family f) { return mux_for(f, self); }, std::move(config), std::move(candidates),
      options_.dial, [this, id](Result<Dialer::Win> r) { dialed(id, std::move(r)); });
}

void PeerService::dialed(const DialKey& id, Result<Dialer::Win> result) {
  auto it = dials_.find(id);
  if (it == dials_.end()) return;
  const quic::PublicKey& key = std::get<0>(id);
  const bool self = std::get<1>(id);
  auto waiters = std::move(it->second.waiters);
  auto dialer = std::move(it->second.dialer);  // we are inside its callback: keep it alive until we return
  dials_.erase(it);
  if (!result) {
    ++stats_.dial_failures;
    spdlog::info("peer: could not reach {}: {}", who(key), result.error().message);
    for (auto& [name, done] : waiters) done(result.error());
  } else {
    Link& link = adopt(std::move(result->session), self ? "self" : "direct", result->candidate.describe());
    for (auto& [name, done] : waiters) open_on(link, std::move(name), std::move(done));
  }
  later([d = std::shared_ptr<Dialer>(std::move(dialer))] {});  // destroyed on the next turn
}

void PeerService::open_on(Link& link, std::string name, OpenFn done) {
  if (name.empty()) {
    later([done = std::move(done), ps = PeerStream{nullptr, info(link)}]() mutable { done(std::move(ps)); });
    return;
  }
  auto stream = link.session->open_stream();
  if (!stream) {
    later([done = std::move(done), e = stream.error()] { done(e); });
    return;
  }
  auto header = quic::encode_open_header(name);
  (*stream)->write_all(header);
  ++stats_.streams_out;
  std::erase_if(link.streams, [](const auto& w) { return w.expired(); });
  link.streams.push_back(*stream);
  PeerStream ps{*stream, info(link)};
  later([done = std::move(done), ps = std::move(ps)]() mutable { done(std::move(ps)); });
}

PeerLinkInfo PeerService::info(const Link& link) const {
  PeerLinkInfo i;
  i.key = link.key;
  i.peer_id = peer_id_of(link.key);
  i.strategy = link.strategy;
  i.candidate = link.candidate;
  const auto& path = link.session->path();
  i.path = path_kind_name(path.kind());
  i.local = path.local_endpoint();
  i.remote = path.remote_endpoint();
  i.rtt_us = link.session->congestion().smoothed_rtt_us;
  i.handshake_us = link.session->stats().handshake_us;
  i.bytes_sent = link.session->stats().bytes_sent;
  i.bytes_received = link.session->stats().bytes_received;
  i.streams = link.session->stream_count();
  return i;
}

std::vector<PeerLinkInfo> PeerService::links() const {
  std::vector<PeerLinkInfo> out;
  for (const auto& link : links_)
    if (link->session->established()) out.push_back(info(*link));
  return out;
}

std::optional<PeerLinkInfo> PeerService::link_of(const quic::Stream& stream) const {
  for (const auto& link : links_)
    for (const auto& w : link->streams)
      if (auto s = w.lock(); s.get() == &stream) return info(*link);
  return std::nullopt;
}

void PeerService::later(std::function<void()> fn) {
  deferred_.push_back(std::move(fn));
  if (deferred_.size() > 1) return;
  defer_timer_.start(0, 0, [this] {
    auto batch = std::move(deferred_);
    deferred_.clear();
    for (auto& f : batch) f();  // a callback may destroy us: nothing of ours is touched after
  });
}

}  // namespace p2pd::peer
