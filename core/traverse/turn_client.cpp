#include "core/traverse/turn_client.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "core/loop/resolver.hpp"
#include "core/traverse/turn_address.hpp"

namespace p2pd::traverse::turn {

namespace {
std::uint64_t now_us() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now().time_since_epoch()).count());
}
}  // namespace

std::string_view transport_name(ServerTransport t) {
  switch (t) {
    case ServerTransport::udp: return "udp";
    case ServerTransport::tcp: return "tcp";
    case ServerTransport::tls: return "tls";
  }
  return "?";
}

std::string TurnServer::describe() const {
  net::HostPort hp{host, port};
  return hp.to_string() + " " + std::string(transport_name(transport));
}

std::string_view state_name(ClientState s) {
  switch (s) {
    case ClientState::starting: return "allocating";
    case ClientState::allocated: return "allocated";
    case ClientState::releasing: return "releasing";
    case ClientState::released: return "released";
    case ClientState::failed: return "failed";
  }
  return "?";
}

TurnClient::TurnClient(loop::Loop& loop, ClientOptions options, Events events)
    : loop_(loop), options_(std::move(options)), events_(std::move(events)), clock_(loop), timer_(loop), later_(loop) {}

TurnClient::~TurnClient() {
  binds_.clear();
  alloc_.reset();
  link_.reset();
}

void TurnClient::start() {
  if (options_.servers.empty()) {
    first_error_ = make_error("unavailable", "no TURN servers are configured (turn.servers)");
    return give_up();
  }
  next_server();
}

// --- attempts ---------------------------------------------------------------------------

void TurnClient::next_server() {
  if (server_index_ >= options_.servers.size()) return give_up();
  mismatch_retried_ = false;
  alternate_tried_ = false;
  resolving_ = loop::resolve_host(loop_, options_.servers[server_index_].host, std::nullopt,
                                  [this](Result<std::vector<net::IpAddress>> r) {
                                    if (state_ != ClientState::starting) return;
                                    const TurnServer& s = options_.servers[server_index_];
                                    if (!r) {
                                      attempts_.push_back(s.describe() + ": " + r.error().message);
                                      if (!first_error_) first_error_ = r.error();
                                      ++server_index_;
                                      return next_server();
                                    }
                                    endpoints_.clear();
                                    for (const auto& ip : *r) endpoints_.push_back(net::Endpoint{ip, s.port});
                                    try_address();
                                  });
}

void TurnClient::try_address() {
  if (state_ != ClientState::starting) return;
  if (endpoints_.empty()) {
    ++server_index_;
    return next_server();
  }
  const net::Endpoint ep = endpoints_.front();
  endpoints_.erase(endpoints_.begin());
  open_attempt(ep);
}

void TurnClient::open_attempt(const net::Endpoint& server_ep) {
  current_endpoint_ = server_ep;
  const TurnServer& s = options_.servers[server_index_];
  AllocationOptions ao = options_.allocation;
  ao.username = s.username;
  ao.password = s.password;
  if (ao.protocol == proto::turn::kProtocolTcp && s.transport == ServerTransport::udp)
    return attempt_failed(make_error("bad_request", "a TCP relay (RFC 6062) needs a TCP connection to the server"));
  if (ao.protocol == proto::turn::kProtocolTcp && s.transport == ServerTransport::tls)
    return attempt_failed(make_error("bad_request", "TCP relays (RFC 6062) over TLS are not supported"));
  std::optional<net::Endpoint> local;
  if (options_.local_address && options_.local_address->family == server_ep.address.family)
    local = net::Endpoint{*options_.local_address, 0};
  if (s.transport == ServerTransport::udp)
    link_ = std::make_unique<UdpLink>(loop_, server_ep, local);
  else if (s.transport == ServerTransport::tcp)
    link_ = std::make_unique<TcpLink>(loop_, server_ep, ao.timing.timeout_ms, local);
  else
    link_ = std::make_unique<TcpLink>(loop_, server_ep, ao.timing.timeout_ms, local,
                                      TlsSettings{s.ca_file, s.tls_name()});

  Allocation::Events ev;
  ev.on_allocated = [this] {
    state_ = ClientState::allocated;
    if (events_.on_allocated) events_.on_allocated();
  };
  ev.on_failed = [this](const Error& e) {
    if (state_ == ClientState::starting) return attempt_failed(e);
    state_ = ClientState::failed;
    error_ = e;
    retire();
    terminal([this, e] {
      if (events_.on_failed) events_.on_failed(e);
    });
  };
  ev.on_released = [this] {
    state_ = ClientState::released;
    retire();
    terminal([this] {
      if (events_.on_released) events_.on_released();
    });
  };
  ev.on_data = [this](const Address& peer, std::span<const std::uint8_t> d) {
    if (auto* c = options_.meters.bytes_received) c->inc(d.size());
    if (auto* c = options_.meters.datagrams_received) c->inc();
    if (events_.on_data) events_.on_data(to_endpoint(peer), d);
  };
  ev.on_connection_attempt = [this](std::uint32_t id, const Address& peer) {
    start_bind(id, to_endpoint(peer), false, [this](Result<BoundConnection> r) {
      if (r && events_.on_incoming) events_.on_incoming(std::move(*r));
    });
  };
  alloc_ = std::make_unique<Allocation>(clock_, *link_, std::move(ao), std::move(ev));
  Allocation* a = alloc_.get();
  link_->open(
      [this, a](std::span<const std::uint8_t> frame) {
        if (alloc_.get() != a) return;
        a->on_frame(frame);
        arm();
      },
      [this, a](Status st) {
        if (alloc_.get() != a) return;
        if (!st) return a->on_link_failed(st.error());
        a->start();
        arm();
      },
      [this, a](Status st) {
        if (alloc_.get() != a) return;
        a->on_link_failed(st.ok() ? make_error("closed", "link closed") : st.error());
        arm();
      });
}

void TurnClient::attempt_failed(const Error& error) {
  const TurnServer& s = options_.servers[server_index_];
  attempts_.push_back(fmt::format("{} ({}): {}", s.describe(), current_endpoint_ ? current_endpoint_->to_string() : "?",
                                  error.message));
  if (!first_error_) first_error_ = error;
  std::optional<Address> alternate = alloc_ ? alloc_->alternate_server() : std::nullopt;
  retire();
  if (error.code == "allocation_mismatch" && !mismatch_retried_ && current_endpoint_) {
    mismatch_retried_ = true;  // the same server from a new local port (a new 5-tuple)
    const net::Endpoint again = *current_endpoint_;
    return later([this, again] {
      if (state_ == ClientState::starting) open_attempt(again);
    });
  }
  if (alternate && !alternate_tried_) {
    alternate_tried_ = true;
    endpoints_.insert(endpoints_.begin(), to_endpoint(*alternate));
  }
  later([this] { try_address(); });
}

void TurnClient::give_up() {
  state_ = ClientState::failed;
  Error e = first_error_.value_or(make_error("unavailable", "no TURN server could be used"));
  if (attempts_.size() > 1) {
    std::string all;
    for (const auto& a : attempts_) all += (all.empty() ? "" : "; ") + a;
    e = make_error(e.code, fmt::format("all {} TURN attempts failed: {}", attempts_.size(), all));
  } else if (attempts_.size() == 1) {
    e.message = attempts_[0];
  }
  error_ = e;
  terminal([this, e] {
    if (events_.on_failed) events_.on_failed(e);
  });
}

// --- timer and deferred work ---------------------------------------------------------------

void TurnClient::arm() {
  if (!alloc_) return;
  auto next = alloc_->next_wakeup();
  if (!next) {
    timer_.stop();
    armed_at_.reset();
    return;
  }
  if (armed_at_ == next) return;
  armed_at_ = next;
  const std::uint64_t now = loop_.now_ms();
  timer_.start(*next > now ? *next - now : 0, 0, [this] {
    armed_at_.reset();
    if (!alloc_) return;
    alloc_->on_timer();
    arm();
  });
}

void TurnClient::retire() {
  timer_.stop();
  armed_at_.reset();
  if (alloc_) dead_allocs_.push_back(std::move(alloc_));
  if (link_) {
    link_->close();
    dead_links_.push_back(std::move(link_));
  }
  later([] {});
}

void TurnClient::later(std::function<void()> fn) {
  later_fns_.push_back(std::move(fn));
  later_.start(0, 0, [this] {
    auto fns = std::move(later_fns_);
    later_fns_.clear();
    auto last = std::move(terminal_);
    terminal_ = nullptr;
    dead_allocs_.clear();
    dead_links_.clear();
    for (auto& f : fns) f();
    if (last) last();  // may destroy this: nothing after it
  });
}

void TurnClient::terminal(std::function<void()> fn) {
  terminal_ = std::move(fn);
  later([] {});
}

// --- release and pass-throughs --------------------------------------------------------------

void TurnClient::release() {
  for (auto& [key, b] : std::exchange(binds_, {}))
    if (b.done) b.done(make_error("closed", "the allocation was released"));
  switch (state_) {
    case ClientState::starting:
      if (alloc_) {
        state_ = ClientState::releasing;
        alloc_->release();  // waits for an Allocate in flight, then deletes what it made
        arm();
        return;
      }
      resolving_.cancel();
      state_ = ClientState::released;
      terminal([this] {
        if (events_.on_released) events_.on_released();
      });
      return;
    case ClientState::allocated:
      state_ = ClientState::releasing;
      alloc_->release();
      arm();
      return;
    default:
      return;
  }
}

Status TurnClient::send(const net::Endpoint& peer, std::span<const std::uint8_t> data) {
  if (state_ != ClientState::allocated || !alloc_) return make_error("unavailable", "the allocation is not active");
  Status st = alloc_->send(to_address(peer), data);
  arm();
  if (st) {
    if (auto* c = options_.meters.bytes_sent) c->inc(data.size());
    if (auto* c = options_.meters.datagrams_sent) c->inc();
  }
  return st;
}

void TurnClient::permit(const net::Endpoint& peer, std::function<void(Status)> done) {
  if (state_ != ClientState::allocated || !alloc_) return done(make_error("unavailable", "the allocation is not active"));
  alloc_->permit(to_address(peer), std::move(done));
  arm();
}

void TurnClient::revoke(const net::Endpoint& peer) {
  if (!alloc_) return;
  alloc_->revoke(to_address(peer));
  arm();
}

void TurnClient::bind_channel(const net::Endpoint& peer, std::function<void(Result<std::uint16_t>)> done) {
  if (state_ != ClientState::allocated || !alloc_) return done(make_error("unavailable", "the allocation is not active"));
  alloc_->bind_channel(to_address(peer), std::move(done));
  arm();
}

std::optional<net::Endpoint> TurnClient::relayed() const {
  if (alloc_ && alloc_->relayed()) return to_endpoint(*alloc_->relayed());
  return std::nullopt;
}

std::optional<net::Endpoint> TurnClient::mapped() const {
  if (alloc_ && alloc_->mapped()) return to_endpoint(*alloc_->mapped());
  return std::nullopt;
}

const TurnServer* TurnClient::server() const {
  return server_index_ < options_.servers.size() ? &options_.servers[server_index_] : nullptr;
}

std::optional<net::Endpoint> TurnClient::server_endpoint() const { return current_endpoint_; }

// --- RFC 6062 data connections ---------------------------------------------------------------

void TurnClient::connect(const net::Endpoint& peer, std::function<void(Result<BoundConnection>)> done) {
  if (state_ != ClientState::allocated || !alloc_) return done(make_error("unavailable", "the allocation is not active"));
  alloc_->connect(to_address(peer), [this, peer, done = std::move(done)](Result<std::uint32_t> id) mutable {
    if (!id) return done(id.error());
    start_bind(*id, peer, false, std::move(done));
  });
  arm();
}

void TurnClient::start_bind(std::uint32_t connection_id, const net::Endpoint& peer, bool retried,
                            std::function<void(Result<BoundConnection>)> done) {
  if (!link_ || !alloc_) return done(make_error("unavailable", "the allocation is not active"));
  const std::uint64_t key = next_bind_++;
  PendingBind& b = binds_[key];
  b.connection_id = connection_id;
  b.peer = peer;
  b.retried = retried;
  b.done = std::move(done);
  b.started_us = now_us();
  const std::uint64_t timeout = options_.allocation.timing.timeout_ms;
  b.deadline = loop::Timer(loop_);
  b.deadline.start(timeout, 0, [this, key] {
    finish_bind(key, make_error("timeout", "ConnectionBind was not answered in time"));
  });
  std::optional<net::Endpoint> local;
  if (auto l = link_->local()) local = net::Endpoint{l->address, 0};
  b.connector = std::make_unique<TcpConnector>(loop_, link_->server(), local, timeout, [this, key](Result<loop::Tcp> r) {
    auto it = binds_.find(key);
    if (it == binds_.end()) return;
    PendingBind& p = it->second;
    if (!r) return finish_bind(key, r.error());
    const auto* creds = alloc_ ? alloc_->credentials() : nullptr;
    if (!creds || state_ != ClientState::allocated)
      return finish_bind(key, make_error("unavailable", "the allocation is not active"));
    p.tcp = std::move(*r);
    p.connected_us = now_us();
    p.binder = std::make_unique<ConnectionBinder>(p.connection_id, *creds);
    p.tcp.write(p.binder->request());
    auto st = p.tcp.read_start([this, key](std::span<const std::uint8_t> bytes) { on_bind_bytes(key, bytes); },
                               [this, key](Status) {
                                 finish_bind(key, make_error("closed", "the TURN server closed the data connection "
                                                                       "before answering ConnectionBind"));
                               });
    if (!st) finish_bind(key, st.error());
  });
}

void TurnClient::on_bind_bytes(std::uint64_t key, std::span<const std::uint8_t> bytes) {
  auto it = binds_.find(key);
  if (it == binds_.end()) return;
  PendingBind& b = it->second;
  switch (b.binder->feed(bytes)) {
    case ConnectionBinder::State::waiting:
      return;
    case ConnectionBinder::State::bound: {
      b.tcp.read_stop();
      spdlog::debug("turn: data connection {} to {} bound in {} us (connected after {} us), {} bytes with the answer",
                    b.connection_id, b.peer.to_string(), now_us() - b.started_us, b.connected_us - b.started_us,
                    b.binder->peer_bytes().size());
      BoundConnection c{std::move(b.tcp), b.binder->peer_bytes(), b.peer, b.connection_id};
      return finish_bind(key, std::move(c));
    }
    case ConnectionBinder::State::failed:
      break;
  }
  if (b.binder->error_response_code() == proto::stun::error::stale_nonce && b.binder->new_nonce() && !b.retried &&
      alloc_) {
    alloc_->update_nonce(*b.binder->new_nonce());
    auto done = std::move(b.done);
    const auto id = b.connection_id;
    const auto peer = b.peer;
    binds_.erase(it);
    return start_bind(id, peer, true, std::move(done));
  }
  finish_bind(key, *b.binder->error());
}

void TurnClient::finish_bind(std::uint64_t key, Result<BoundConnection> result) {
  auto it = binds_.find(key);
  if (it == binds_.end()) return;
  auto done = std::move(it->second.done);
  binds_.erase(it);  // closes the socket unless it was handed over
  if (done) done(std::move(result));
}

}  // namespace p2pd::traverse::turn
