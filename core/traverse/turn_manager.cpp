#include "core/traverse/turn_manager.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/traverse/turn_manager_entry.hpp"
#include "core/traverse/turn_transports.hpp"

namespace p2pd::traverse::turn {


namespace {

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}

observe::Registry& registry_or(observe::Registry* r, observe::Registry& own) { return r ? *r : own; }

}  // namespace

TurnManager::TurnManager(loop::Loop& loop, ManagerOptions options, observe::Registry* metrics,
                         observe::StatusBoard* status, observe::EventBus* events)
    : loop_(loop), options_(std::move(options)), status_(status), events_(events), reaper_(loop),
      shutdown_timer_(loop),
      active_(registry_or(metrics, own_metrics_).gauge("p2pd_turn_allocations", "TURN allocations held now")),
      allocated_total_(registry_or(metrics, own_metrics_)
                           .counter("p2pd_turn_allocations_total", "TURN allocations made", {{"result", "allocated"}})),
      failed_total_(registry_or(metrics, own_metrics_)
                        .counter("p2pd_turn_allocations_total", "TURN allocations made", {{"result", "failed"}})),
      released_total_(registry_or(metrics, own_metrics_)
                          .counter("p2pd_turn_released_total", "TURN allocations deleted on the server")),
      lost_total_(registry_or(metrics, own_metrics_)
                      .counter("p2pd_turn_lost_total", "TURN allocations lost after being made (437, expiry, link)")),
      bytes_sent_(registry_or(metrics, own_metrics_)
                      .counter("p2pd_turn_bytes_total", "Bytes relayed through TURN", {{"direction", "sent"}})),
      bytes_received_(registry_or(metrics, own_metrics_)
                          .counter("p2pd_turn_bytes_total", "Bytes relayed through TURN", {{"direction", "received"}})),
      datagrams_sent_(registry_or(metrics, own_metrics_)
                          .counter("p2pd_turn_datagrams_total", "Datagrams relayed through TURN",
                                   {{"direction", "sent"}})),
      datagrams_received_(registry_or(metrics, own_metrics_)
                              .counter("p2pd_turn_datagrams_total", "Datagrams relayed through TURN",
                                       {{"direction", "received"}})),
      dropped_(registry_or(metrics, own_metrics_)
                   .counter("p2pd_turn_dropped_total", "Relayed datagrams nobody was listening for")),
      connections_(registry_or(metrics, own_metrics_)
                       .counter("p2pd_turn_connections_total", "RFC 6062 TCP connections through TURN relays")) {
  update_status();
}

TurnManager::~TurnManager() {
  for (auto& [id, e] : entries_) e->hub->end(Error{"closed", "the daemon is stopping"});
  entries_.clear();
  dead_.clear();
}

void TurnManager::set_options(ManagerOptions options) {
  options_ = std::move(options);
  update_status();
}

void TurnManager::set_pipes(PipeMaker make, PipeCloser close) {
  make_pipe_ = std::move(make);
  close_pipe_ = std::move(close);
}

// --- create ----------------------------------------------------------------------------------

void TurnManager::create(CreateRequest req, std::function<void(Result<nlohmann::json>)> done) {
  if (shutting_down_) return done(Error{"unavailable", "the daemon is stopping"});
  if (options_.servers.empty()) return done(Error{"unavailable", "no TURN servers are configured (turn.servers)"});
  if (req.server && *req.server >= options_.servers.size())
    return done(Error{"bad_request", fmt::format("no TURN server {} (there are {})", *req.server, options_.servers.size())});
  if (req.id.empty()) {
    do req.id = fmt::format("turn{}", next_id_++);
    while (entries_.count(req.id));
  }
  if (!valid_name(req.id)) return done(Error{"bad_request", "an allocation id matches [A-Za-z0-9_.-]{1,64}"});
  if (entries_.count(req.id)) return done(Error{"conflict", "allocation " + req.id + " exists"});
  if (req.lifetime_s && (*req.lifetime_s < 30 || *req.lifetime_s > 86400))
    return done(Error{"bad_request", "lifetime_s must be 30-86400"});

  ClientOptions co;
  if (req.server) co.servers.push_back(options_.servers[*req.server]);
  else co.servers = options_.servers;
  if (req.tcp_relay) {
    const bool had_tls = std::any_of(co.servers.begin(), co.servers.end(),
                                     [](const TurnServer& s) { return s.transport == ServerTransport::tls; });
    std::erase_if(co.servers, [](const TurnServer& s) { return s.transport != ServerTransport::tcp; });
    if (co.servers.empty())
      return done(Error{"bad_request", had_tls ? "TCP relays (RFC 6062) over TLS are not supported: a TCP relay "
                                                 "needs a TURN server with transport tcp"
                                               : "a TCP relay (RFC 6062) needs a TURN server with transport tcp"});
  }
  co.allocation.protocol = req.tcp_relay ? proto::turn::kProtocolTcp : proto::turn::kProtocolUdp;
  co.allocation.family = req.family;
  co.allocation.lifetime_s = req.lifetime_s.value_or(options_.lifetime_s);
  co.allocation.timing = options_.timing;
  co.allocation.keepalive_ms = options_.keepalive_ms;
  co.local_address = options_.local_address;
  co.meters = {&bytes_sent_, &bytes_received_, &datagrams_sent_, &datagrams_received_};

  auto entry = std::make_unique<Entry>();
  Entry* e = entry.get();
  e->id = req.id;
  e->request = req;
  e->create_done = std::move(done);
  e->created_at = loop_.now_ms();
  const std::string id = req.id;
  TurnClient::Events ev;
  ev.on_allocated = [this, e] { on_allocated(*e); };
  ev.on_failed = [this, id](const Error& err) { on_failed(id, err); };
  ev.on_released = [this, id] { on_released(id); };
  ev.on_data = [this, e](const net::Endpoint& from, std::span<const std::uint8_t> data) {
    if (!e->hub->deliver(from, data)) dropped_.inc();
  };
  ev.on_incoming = [this, e](BoundConnection c) { on_incoming(*e, std::move(c)); };
  e->client = std::make_unique<TurnClient>(loop_, std::move(co), std::move(ev));
  e->hub->set_client(e->client.get());
  entries_[id] = std::move(entry);
  spdlog::info("turn: {} allocating ({} relay, {})", id, req.tcp_relay ? "tcp" : "udp",
               req.family == AddressFamily::v6 ? "IPv6" : "IPv4");
  e->client->start();
}

void TurnManager::on_allocated(Entry& e) {
  e.was_allocated = true;
  last_failure_.reset();
  allocated_total_.inc();
  active_.add(1);
  const auto relayed = e.client->relayed();
  spdlog::info("turn: {} allocated {} on {}", e.id, relayed ? relayed->to_string() : "?",
               e.client->server() ? e.client->server()->describe() : "?");
  if (!e.request.tcp_relay && make_pipe_) {
    const std::string id = e.id;
    auto transport = std::make_unique<TurnRelayTransport>(e.hub, e.request.peer, [this, id] { (void)release(id); });
    auto made = make_pipe_(e.id, std::move(transport));
    if (made) e.pipe = *made;
    else e.pipe_error = made.error().message;
  }
  publish("turn.allocated", {{"id", e.id}, {"relayed", relayed ? relayed->to_string() : ""}});
  update_status();
  if (auto done = std::exchange(e.create_done, nullptr)) done(view(e));
}

void TurnManager::on_failed(const std::string& id, const Error& error) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  Entry& e = *it->second;
  last_failure_ = error.message;
  e.hub->end(error);
  if (!e.was_allocated) {
    failed_total_.inc();
    spdlog::warn("turn: {} failed: {}", id, error.message);
    auto done = std::exchange(e.create_done, nullptr);
    erase_later(id);
    publish("turn.failed", {{"id", id}, {"code", error.code}, {"message", error.message}});
    update_status();
    if (done) done(error);
    return maybe_finish_shutdown();
  }
  lost_total_.inc();
  active_.add(-1);
  e.failure = error;
  spdlog::warn("turn: {} lost: {}", id, error.message);
  publish("turn.lost", {{"id", id}, {"code", error.code}, {"message", error.message}});
  if (shutting_down_) erase_later(id);
  update_status();
  maybe_finish_shutdown();
}

void TurnManager::on_released(const std::string& id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  Entry& e = *it->second;
  if (e.was_allocated) {
    active_.add(-1);
    released_total_.inc();
  }
  spdlog::info("turn: {} released", id);
  e.hub->end(Status{});
  auto done = std::exchange(e.create_done, nullptr);
  erase_later(id);
  publish("turn.released", {{"id", id}});
  update_status();
  if (done) done(Error{"closed", "allocation " + id + " was released before it completed"});
  maybe_finish_shutdown();
}

// --- RFC 6062 connections ---------------------------------------------------------------------

Result<std::string> TurnManager::adopt_stream(Entry& e, BoundConnection c) {
  if (!make_pipe_) return Error{"unavailable", "pipes are not available in this process"};
  const std::string name = fmt::format("{}.{}", e.id, e.next_connection++);
  const auto peer = c.peer;
  auto made = make_pipe_(name, std::make_unique<TurnStreamTransport>(loop_, std::move(c), e.client->relayed()));
  if (!made) return made.error();
  connections_.inc();
  e.connection_pipes.push_back(*made);
  publish("turn.connection", {{"id", e.id}, {"pipe", *made}, {"peer", peer.to_string()}});
  return made;
}

void TurnManager::on_incoming(Entry& e, BoundConnection c) {
  const auto peer = c.peer;
  auto made = adopt_stream(e, std::move(c));
  if (!made) spdlog::warn("turn: {}: connection from {} dropped: {}", e.id, peer.to_string(), made.error().message);
}

void TurnManager::connect(const std::string& id, const net::Endpoint& peer,
                          std::function<void(Result<std::string>)> done) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return done(Error{"not_found", "no allocation " + id});
  Entry& e = *it->second;
  if (!e.request.tcp_relay) return done(Error{"bad_request", id + " is a UDP allocation: send datagrams instead"});
  e.client->connect(peer, [this, id, done = std::move(done)](Result<BoundConnection> r) {
    if (!r) return done(r.error());
    auto found = entries_.find(id);
    if (found == entries_.end()) return done(Error{"closed", "allocation " + id + " is gone"});
    done(adopt_stream(*found->second, std::move(*r)));
  });
}

// --- the rest of the routes ---------------------------------------------------------------------

Status TurnManager::release(const std::string& id, std::function<void()> done) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return Error{"not_found", "no allocation " + id};
  Entry& e = *it->second;
  if (done) e.release_waiters.push_back(std::move(done));
  if (e.releasing) return {};
  e.releasing = true;
  const auto state = e.client->state();
  if (state == ClientState::failed || state == ClientState::released) {
    e.hub->end(Status{});
    erase_later(id);
    update_status();
    maybe_finish_shutdown();
    return {};
  }
  e.client->release();
  return {};
}

void TurnManager::permit(const std::string& id, const net::Endpoint& peer, std::function<void(Status)> done) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return done(Error{"not_found", "no allocation " + id});
  it->second->client->permit(peer, std::move(done));
}

Status TurnManager::revoke(const std::string& id, const net::Endpoint& peer) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return Error{"not_found", "no allocation " + id};
  it->second->client->revoke(peer);
  return {};
}

void TurnManager::bind_channel(const std::string& id, const net::Endpoint& peer,
                               std::function<void(Result<std::uint16_t>)> done) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return done(Error{"not_found", "no allocation " + id});
  it->second->client->bind_channel(peer, std::move(done));
}

Status TurnManager::send(const std::string& id, const net::Endpoint& peer, std::span<const std::uint8_t> data) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return Error{"not_found", "no allocation " + id};
  return it->second->client->send(peer, data);
}

std::shared_ptr<RelayHub> TurnManager::hub(const std::string& id) const {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second->request.tcp_relay) return nullptr;
  return it->second->hub;
}

// --- shutdown and housekeeping -------------------------------------------------------------------

void TurnManager::shutdown(std::uint64_t deadline_ms, std::function<void()> done) {
  shutting_down_ = true;
  shutdown_done_ = std::move(done);
  std::vector<std::string> ids;
  for (const auto& [id, e] : entries_) ids.push_back(id);
  for (const auto& id : ids) (void)release(id);
  shutdown_timer_.start(deadline_ms, 0, [this] {
    if (!entries_.empty()) spdlog::warn("turn: {} allocation(s) not confirmed released at shutdown", entries_.size());
    for (auto& [id, e] : entries_) {
      e->hub->end(Error{"closed", "the daemon is stopping"});
      dead_.push_back(std::move(e));
    }
    entries_.clear();
    maybe_finish_shutdown();
  });
  maybe_finish_shutdown();
}

void TurnManager::maybe_finish_shutdown() {
  if (!shutting_down_ || !entries_.empty() || !shutdown_done_) return;
  shutdown_timer_.stop();
  auto done = std::exchange(shutdown_done_, nullptr);
  reaper_.start(0, 0, [this, done] {
    dead_.clear();
    done();
  });
}

void TurnManager::erase_later(const std::string& id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  auto pipe = it->second->pipe;
  auto waiters = std::move(it->second->release_waiters);
  dead_.push_back(std::move(it->second));
  entries_.erase(it);
  if (!reaper_.active()) reaper_.start(0, 0, [this] { dead_.clear(); });
  // Out of the table first: closing the pipe calls release(id), which must find nothing.
  if (pipe && close_pipe_ && !shutting_down_) close_pipe_(*pipe);
  for (auto& w : waiters) w();
}

void TurnManager::publish(const std::string& type, nlohmann::json data) {
  if (events_) events_->publish(type, std::move(data), loop_.now_ms());
}

void TurnManager::update_status() {
  if (!status_) return;
  const auto now = loop_.now_ms();
  if (options_.servers.empty())
    return status_->set("turn", observe::Readiness::off, "no TURN servers configured (turn.servers)", now);
  std::vector<std::string> relayed;
  for (const auto& [id, e] : entries_)
    if (e->client->state() == ClientState::allocated)
      if (auto r = e->client->relayed()) relayed.push_back(id + " " + r->to_string());
  if (!relayed.empty())
    return status_->set("turn", observe::Readiness::ready,
                        fmt::format("{} allocation(s): {}", relayed.size(), fmt::join(relayed, ", ")), now);
  if (last_failure_)
    return status_->set("turn", observe::Readiness::degraded, "last allocation failed: " + *last_failure_, now);
  status_->set("turn", observe::Readiness::ready,
               fmt::format("{} server(s) configured, no allocation", options_.servers.size()), now);
}

}  // namespace p2pd::traverse::turn
