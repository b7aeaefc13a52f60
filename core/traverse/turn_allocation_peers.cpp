// The allocation's peers: permissions, channel bindings, data both ways, and RFC 6062
// Connect. The lifecycle is in turn_allocation.cpp.
#include <fmt/format.h>

#include "core/proto/turn_channel_data.hpp"
#include "core/traverse/turn_address.hpp"
#include "core/traverse/turn_allocation.hpp"
#include "core/traverse/turn_timing.hpp"

namespace p2pd::traverse::turn {

namespace stun = proto::stun;
namespace tp = proto::turn;

namespace {

// The largest datagram whose Send indication (header 20, XOR-PEER-ADDRESS up to 24,
// DATA header 4) still fits in one IPv4 UDP datagram to the server (65507).
constexpr std::size_t kMaxDatagram = 65507 - 48;

}  // namespace

Allocation::IpKey Allocation::ip_key(const Address& a) { return IpKey{a.family, a.bytes}; }
Allocation::PeerKey Allocation::peer_key(const Address& a) { return PeerKey{ip_key(a), a.port}; }

// --- permissions -------------------------------------------------------------------------

Allocation::Permission& Allocation::ensure_permission(const Address& peer, bool pinned) {
  const std::uint64_t now = clock_.now_ms();
  const IpKey key = ip_key(peer);
  auto [it, fresh] = permissions_.try_emplace(key);
  Permission& p = it->second;
  if (fresh) {
    p.peer = peer;
    p.peer.port = 0;
  }
  p.last_used = now;
  p.pinned = p.pinned || pinned;
  if (fresh || (p.installed && !p.in_flight && now >= p.refresh_at)) send_permission(key);
  return p;
}

void Allocation::send_permission(const IpKey& key) {
  Permission& p = permissions_.at(key);
  p.in_flight = true;
  p.last_sent = clock_.now_ms();
  const Address peers[] = {p.peer};
  request(
      tp::make_create_permission({}, peers),
      [this, key](const stun::Message&) {
        auto it = permissions_.find(key);
        if (it == permissions_.end()) return;
        it->second.in_flight = false;
        if (it->second.installed) ++counters_.permission_refreshes;
        on_permission_installed(key);
      },
      [this, key](const Error& e, std::uint16_t code) { on_permission_refused(key, e, code); });
}

void Allocation::on_permission_installed(const IpKey& key) {
  auto it = permissions_.find(key);
  if (it == permissions_.end() || !alive()) return;
  Permission& p = it->second;
  const std::uint64_t now = clock_.now_ms();
  p.installed = true;
  p.refresh_at = now + kPermissionRefreshMs;
  p.expires_at = now + kPermissionLifetimeMs;
  auto queued = std::move(p.queued);
  p.queued.clear();
  p.queued_bytes = 0;
  auto waiters = std::move(p.waiters);
  p.waiters.clear();
  for (auto& [peer, data] : queued) transmit(peer, data);
  for (auto& w : waiters) w(Status{});
}

void Allocation::on_permission_refused(const IpKey& key, const Error& e, std::uint16_t code) {
  auto it = permissions_.find(key);
  if (it == permissions_.end() || !alive()) return;
  Permission& p = it->second;
  p.in_flight = false;
  if (code == tp::error::allocation_mismatch)
    return fail(make_error("allocation_lost", "the TURN server no longer has this allocation (" + e.message + ")"));
  const std::uint64_t now = clock_.now_ms();
  if (p.installed && now + kRetryMs < p.expires_at) {
    p.refresh_at = now + kRetryMs;  // a refresh failed: the permission still holds for now
    return;
  }
  counters_.dropped += p.queued.size();
  auto waiters = std::move(p.waiters);
  permissions_.erase(it);
  const Error why = make_error(e.code == "timeout" ? "timeout" : "turn_refused",
                               "the TURN server did not install the permission: " + e.message);
  for (auto& w : waiters) w(why);
}

void Allocation::permit(const Address& peer, std::function<void(Status)> done) {
  if (!alive()) {
    if (done) done(make_error("unavailable", "the allocation is not active"));
    return;
  }
  if (peer.family != relayed_->family) {
    if (done) done(make_error("bad_request", "the peer's address family is not the relayed address's"));
    return;
  }
  Permission& p = ensure_permission(peer, true);
  if (!done) return;
  if (p.installed) return done(Status{});
  p.waiters.push_back(std::move(done));
}

void Allocation::revoke(const Address& peer) {
  auto it = permissions_.find(ip_key(peer));
  if (it == permissions_.end()) return;
  auto waiters = std::move(it->second.waiters);
  counters_.dropped += it->second.queued.size();
  permissions_.erase(it);  // the server lets it lapse; data from the peer may still arrive until then
  for (auto& [number, c] : channels_)
    if (ip_key(c.peer) == ip_key(peer)) c.pinned = false;
  for (auto& w : waiters) w(make_error("closed", "permission revoked"));
}

void Allocation::tick_permissions(std::uint64_t now) {
  std::vector<IpKey> refresh, lapse;
  for (auto& [key, p] : permissions_) {
    if (!p.installed || p.in_flight) continue;
    const bool used = p.pinned || p.last_used > p.last_sent;
    if (used && now >= p.refresh_at) refresh.push_back(key);
    else if (!used && now >= p.expires_at) lapse.push_back(key);
  }
  for (const IpKey& key : lapse) permissions_.erase(key);
  for (const IpKey& key : refresh) {
    if (!alive()) return;
    send_permission(key);
  }
}

// --- channels ----------------------------------------------------------------------------

std::uint16_t Allocation::ensure_channel(const Address& peer, bool pinned) {
  const std::uint64_t now = clock_.now_ms();
  auto found = channel_of_.find(peer_key(peer));
  if (found != channel_of_.end()) {
    Channel& c = channels_.at(found->second);
    c.last_used = now;
    c.pinned = c.pinned || pinned;
    if (c.bound && !c.in_flight && now >= c.refresh_at) send_channel_bind(found->second);
    return found->second;
  }
  std::uint16_t number = 0;
  for (int tries = 0; tries <= tp::kMaxChannel - tp::kMinChannel; ++tries) {
    const std::uint16_t n = next_channel_;
    next_channel_ = n == tp::kMaxChannel ? tp::kMinChannel : static_cast<std::uint16_t>(n + 1);
    auto cool = cooling_.find(n);
    if (cool != cooling_.end() && cool->second > now) continue;
    if (cool != cooling_.end()) cooling_.erase(cool);
    if (channels_.count(n)) continue;
    number = n;
    break;
  }
  if (number == 0) return 0;  // all 4096 in use: Send indications carry the data
  Channel& c = channels_[number];
  c.peer = peer;
  c.pinned = pinned;
  c.last_used = now;
  channel_of_[peer_key(peer)] = number;
  send_channel_bind(number);
  return number;
}

void Allocation::send_channel_bind(std::uint16_t number) {
  Channel& c = channels_.at(number);
  const std::uint64_t now = clock_.now_ms();
  c.in_flight = true;
  c.last_sent = now;
  // The binding refreshes the peer's permission as well: no CreatePermission for it now.
  auto perm = permissions_.find(ip_key(c.peer));
  if (perm != permissions_.end() && perm->second.installed) {
    perm->second.last_sent = now;
    perm->second.refresh_at = now + kPermissionRefreshMs;
  }
  request(
      tp::make_channel_bind({}, number, c.peer),
      [this, number](const stun::Message&) {
        auto it = channels_.find(number);
        if (it == channels_.end() || !alive()) return;
        Channel& ch = it->second;
        const std::uint64_t at = clock_.now_ms();
        if (ch.bound) ++counters_.channel_refreshes;
        ch.in_flight = false;
        ch.bound = true;
        ch.refresh_at = at + kChannelRefreshMs;
        ch.expires_at = at + kChannelLifetimeMs;
        auto waiters = std::move(ch.waiters);
        ch.waiters.clear();
        // The server installed (or refreshed) the peer's permission with the binding.
        auto p = permissions_.find(ip_key(ch.peer));
        if (p != permissions_.end()) on_permission_installed(p->first);
        for (auto& w : waiters) w(number);
      },
      [this, number](const Error& e, std::uint16_t code) {
        auto it = channels_.find(number);
        if (it == channels_.end() || !alive()) return;
        Channel& ch = it->second;
        ch.in_flight = false;
        if (code == tp::error::allocation_mismatch)
          return fail(make_error("allocation_lost", "the TURN server no longer has this allocation (" + e.message + ")"));
        const std::uint64_t at = clock_.now_ms();
        auto p = permissions_.find(ip_key(ch.peer));
        if (p != permissions_.end() && p->second.installed) p->second.refresh_at = at;  // refresh it by itself
        if (ch.bound && at + kRetryMs < ch.expires_at) {
          ch.refresh_at = at + kRetryMs;
          return;
        }
        auto waiters = std::move(ch.waiters);
        channel_of_.erase(peer_key(ch.peer));
        channels_.erase(it);
        cooling_[number] = at + kChannelCooldownMs;
        const Error why = make_error(e.code == "timeout" ? "timeout" : "turn_refused",
                                     "the TURN server did not bind the channel: " + e.message);
        for (auto& w : waiters) w(why);
      });
}

void Allocation::bind_channel(const Address& peer, std::function<void(Result<std::uint16_t>)> done) {
  auto refuse = [&done](Error e) {
    if (done) done(std::move(e));
  };
  if (!alive()) return refuse(make_error("unavailable", "the allocation is not active"));
  if (options_.protocol != tp::kProtocolUdp) return refuse(make_error("bad_request", "channels need a UDP allocation"));
  if (peer.family != relayed_->family)
    return refuse(make_error("bad_request", "the peer's address family is not the relayed address's"));
  ensure_permission(peer, false);
  if (!alive()) return refuse(make_error("unavailable", "the allocation is not active"));
  const std::uint16_t number = ensure_channel(peer, true);
  if (number == 0) return refuse(make_error("busy", "all 4096 channel numbers are in use"));
  if (!done) return;
  Channel& c = channels_.at(number);
  if (c.bound) return done(number);
  c.waiters.push_back(std::move(done));
}

void Allocation::tick_channels(std::uint64_t now) {
  std::vector<std::uint16_t> refresh, lapse;
  for (auto& [number, c] : channels_) {
    if (!c.bound || c.in_flight) continue;
    const bool used = c.pinned || c.last_used > c.last_sent;
    if (used && now >= c.refresh_at) refresh.push_back(number);
    else if (!used && now >= c.expires_at) lapse.push_back(number);
  }
  for (std::uint16_t n : lapse) {
    channel_of_.erase(peer_key(channels_.at(n).peer));
    channels_.erase(n);
    cooling_[n] = now + kChannelCooldownMs;
  }
  for (std::uint16_t n : refresh) {
    if (!alive()) return;
    send_channel_bind(n);
  }
}

void Allocation::drop_peers(const Error& why) {
  auto permissions = std::move(permissions_);
  auto channels = std::move(channels_);
  permissions_.clear();
  channels_.clear();
  channel_of_.clear();
  for (auto& [key, p] : permissions) {
    counters_.dropped += p.queued.size();
    for (auto& w : p.waiters) w(why);
  }
  for (auto& [number, c] : channels)
    for (auto& w : c.waiters) w(why);
}

// --- data ---------------------------------------------------------------------------------

Status Allocation::send(const Address& peer, std::span<const std::uint8_t> data) {
  if (!alive()) return make_error("unavailable", "the allocation is not active");
  if (options_.protocol != tp::kProtocolUdp)
    return make_error("bad_request", "a TCP allocation carries data on its connections, not datagrams");
  if (peer.family != relayed_->family)
    return make_error("bad_request", "the peer's address family is not the relayed address's");
  if (data.size() > kMaxDatagram)
    return make_error("too_large", fmt::format("a relayed datagram carries at most {} bytes", kMaxDatagram));
  ensure_permission(peer, false);
  if (!alive()) return make_error("unavailable", "the allocation is not active");
  const IpKey key = ip_key(peer);
  if (options_.auto_channels) (void)ensure_channel(peer, false);
  if (!alive()) return make_error("unavailable", "the allocation is not active");
  auto it = permissions_.find(key);
  if (it == permissions_.end()) return make_error("turn_refused", "the permission for this peer was refused");
  Permission& perm = it->second;
  if (perm.installed) {
    transmit(peer, data);
    return {};
  }
  if (perm.queued_bytes + data.size() > options_.max_queued_bytes) {
    ++counters_.dropped;  // a datagram lost, as the network might lose it
    return {};
  }
  perm.queued.emplace_back(peer, std::vector<std::uint8_t>(data.begin(), data.end()));
  perm.queued_bytes += data.size();
  return {};
}

void Allocation::transmit(const Address& peer, std::span<const std::uint8_t> data) {
  auto found = channel_of_.find(peer_key(peer));
  if (found != channel_of_.end() && channels_.at(found->second).bound) {
    scratch_.clear();
    tp::append_channel_data(scratch_, found->second, data,
                            link_.is_stream() ? tp::Padding::to_four : tp::Padding::none);
    send_frame(scratch_);
    ++counters_.channel_data_sent;
  } else {
    send_frame(stun::serialize(tp::make_send_indication(random_transaction_id(), peer, data)));
    ++counters_.send_indications;
  }
  counters_.bytes_sent += data.size();
  ++counters_.datagrams_sent;
}

void Allocation::deliver(const Address& peer, std::span<const std::uint8_t> data) {
  auto p = permissions_.find(ip_key(peer));
  if (p != permissions_.end()) p->second.last_used = clock_.now_ms();
  counters_.bytes_received += data.size();
  ++counters_.datagrams_received;
  if (events_.on_data) events_.on_data(peer, data);
}

void Allocation::on_channel_data(std::span<const std::uint8_t> frame) {
  auto cd = tp::parse_channel_data(frame);
  if (!cd) {
    ++counters_.dropped;
    return;
  }
  auto it = channels_.find(cd->channel);
  if (it == channels_.end() || !alive()) {
    ++counters_.dropped;
    return;
  }
  it->second.last_used = clock_.now_ms();
  const Address peer = it->second.peer;
  deliver(peer, cd->data);
}

void Allocation::on_indication(const stun::Message& m) {
  if (!alive()) return;
  if (m.method == tp::method::data) {
    auto d = tp::read_data_indication(m);
    if (!d || d->icmp) {
      ++counters_.dropped;  // malformed, or an ICMP report (nothing to deliver)
      return;
    }
    return deliver(d->peer, d->data);
  }
  if (m.method == tp::method::connection_attempt) {
    auto a = tp::read_connection_attempt(m);
    if (!a) {
      ++counters_.dropped;
      return;
    }
    if (events_.on_connection_attempt) events_.on_connection_attempt(a->connection_id, a->peer);
  }
}

// --- RFC 6062 Connect ------------------------------------------------------------------------

void Allocation::connect(const Address& peer, std::function<void(Result<std::uint32_t>)> done) {
  if (!alive()) return done(make_error("unavailable", "the allocation is not active"));
  if (options_.protocol != tp::kProtocolTcp) return done(make_error("bad_request", "Connect needs a TCP allocation"));
  if (peer.family != relayed_->family)
    return done(make_error("bad_request", "the peer's address family is not the relayed address's"));
  // The peer's permission stays for the allocation's life: its connection needs it.
  permit(peer, [this, peer, done = std::move(done)](Status s) mutable {
    if (!s) return done(s.error());
    request(
        tp::make_connect({}, peer),
        [done](const stun::Message& m) {
          auto id = tp::get_connection_id(m);
          if (!id) return done(make_error("bad_answer", "Connect success without CONNECTION-ID"));
          done(*id);
        },
        [done, peer](const Error& e, std::uint16_t code) {
          if (code == tp::error::connection_timeout_or_failure)
            return done(make_error("unreachable", "the TURN server could not connect to " + to_text(peer) + " (" +
                                                      e.message + ")"));
          if (code == tp::error::connection_already_exists)
            return done(make_error("conflict", "a connection to " + to_text(peer) + " exists (" + e.message + ")"));
          done(e);
        });
  });
}

// --- views ----------------------------------------------------------------------------------

std::vector<PermissionView> Allocation::permissions() const {
  std::vector<PermissionView> out;
  for (const auto& [key, p] : permissions_) out.push_back({p.peer, p.installed, p.pinned, p.installed ? p.expires_at : 0});
  return out;
}

std::vector<ChannelView> Allocation::channels() const {
  std::vector<ChannelView> out;
  for (const auto& [number, c] : channels_) out.push_back({number, c.peer, c.bound, c.bound ? c.expires_at : 0});
  return out;
}

}  // namespace p2pd::traverse::turn
