// The allocation's life: Allocate with the 401 challenge, refreshes, release, failure,
// frames from the server and the timer. Peers (permissions, channels, data, Connect)
// are in turn_allocation_peers.cpp.
#include <fmt/format.h>

#include <algorithm>

#include "core/proto/stun_integrity.hpp"
#include "core/proto/turn_channel_data.hpp"
#include "core/traverse/turn_allocation.hpp"
#include "core/traverse/turn_timing.hpp"

namespace p2pd::traverse::turn {

namespace stun = proto::stun;
namespace tp = proto::turn;

std::string_view state_name(AllocationState s) {
  switch (s) {
    case AllocationState::allocating: return "allocating";
    case AllocationState::allocated: return "allocated";
    case AllocationState::releasing: return "releasing";
    case AllocationState::released: return "released";
    case AllocationState::failed: return "failed";
  }
  return "?";
}

Allocation::Allocation(Clock& clock, ServerLink& link, AllocationOptions options, Events events)
    : clock_(clock), link_(link), options_(std::move(options)), events_(std::move(events)),
      transactions_(clock, link, options_.timing) {}

void Allocation::start() {
  if (started_) return;
  started_ = true;
  send_allocate();
}

// --- requests -----------------------------------------------------------------------

void Allocation::request(stun::Message m, OnSuccess on_success, OnError on_error, int attempt) {
  m.transaction_id = random_transaction_id();
  std::vector<std::uint8_t> bytes = tp::serialize_request(m, creds_ ? &*creds_ : nullptr);
  if (bytes.empty()) return on_error(make_error("bad_request", "request does not fit in a STUN message"), 0);
  std::vector<std::uint8_t> key = creds_ ? creds_->key : std::vector<std::uint8_t>{};
  last_tx_ = clock_.now_ms();
  const TransactionId id = m.transaction_id;
  transactions_.start(id, std::move(bytes), std::move(key),
                      [this, m = std::move(m), on_success = std::move(on_success), on_error = std::move(on_error),
                       attempt](Result<stun::Message> r) mutable {
                        if (!r) return on_error(r.error(), 0);  // timeout, or cancelled (closing)
                        if (r->message_class == stun::MessageClass::success_response) return on_success(*r);
                        auto reply = tp::read_error_reply(*r);
                        if (!reply) return on_error(make_error("bad_answer", "error response without ERROR-CODE"), 0);
                        const std::uint16_t code = reply->error.code;
                        if ((code == stun::error::stale_nonce || code == stun::error::unauthenticated) && attempt < 3 &&
                            adopt_challenge(*reply))
                          return request(std::move(m), std::move(on_success), std::move(on_error), attempt + 1);
                        error_response_code_ = code;
                        if (reply->alternate_server) alternate_ = reply->alternate_server;
                        std::string name(tp::error_code_name(code));
                        std::string reason = reply->error.reason.empty() ? name : reply->error.reason;
                        on_error(make_error("turn_refused", fmt::format("{} {}", code, reason)), code);
                      });
}

bool Allocation::adopt_challenge(const tp::ErrorReply& reply) {
  if (!reply.nonce) return false;
  const bool stale = reply.error.code == stun::error::stale_nonce;
  if (!creds_) {
    if (stale || !reply.realm) return false;
    auto key = stun::long_term_key(options_.username, *reply.realm, options_.password);
    if (!key) return false;
    creds_ = tp::LongTermCredentials{options_.username, *reply.realm, *reply.nonce, std::move(*key)};
    return true;
  }
  // With credentials already sent, a 401 is a retry only if the server moved to a new nonce.
  if (!stale && *reply.nonce == creds_->nonce) return false;
  if (reply.realm && *reply.realm != creds_->realm) {
    auto key = stun::long_term_key(options_.username, *reply.realm, options_.password);
    if (!key) return false;
    creds_->realm = *reply.realm;
    creds_->key = std::move(*key);
  }
  creds_->nonce = *reply.nonce;
  ++counters_.stale_nonces;
  return true;
}

void Allocation::update_nonce(const std::string& nonce) {
  if (creds_ && creds_->nonce != nonce) {
    creds_->nonce = nonce;
    ++counters_.stale_nonces;
  }
}

// --- Allocate -------------------------------------------------------------------------

void Allocation::send_allocate() {
  tp::AllocateParams params;
  params.protocol = options_.protocol;
  if (options_.family == AddressFamily::v6) params.family = AddressFamily::v6;  // RFC 6156; IPv4 is the default
  params.lifetime = options_.lifetime_s;
  request(
      tp::make_allocate({}, params), [this](const stun::Message& m) { on_allocate_success(m); },
      [this](const Error& e, std::uint16_t code) { on_allocate_error(e, code); });
}

void Allocation::on_allocate_success(const stun::Message& m) {
  if (state_ != AllocationState::allocating) return;
  auto ok = tp::read_allocate_success(m);
  if (!ok) return fail(make_error("bad_answer", "Allocate success: " + ok.error().message));
  auto relayed = std::find_if(ok->relayed.begin(), ok->relayed.end(),
                              [this](const Address& a) { return a.family == options_.family; });
  if (relayed == ok->relayed.end()) return fail(make_error("bad_answer", "no relayed address of the family asked for"));
  const std::uint64_t now = clock_.now_ms();
  relayed_ = *relayed;
  mapped_ = ok->mapped;
  lifetime_s_ = ok->lifetime;
  allocated_at_ = now;
  expires_at_ = now + std::uint64_t{lifetime_s_} * 1000;
  refresh_at_ = now + refresh_delay_ms(lifetime_s_);
  state_ = AllocationState::allocated;
  if (release_requested_) return release();
  if (events_.on_allocated) events_.on_allocated();
}

void Allocation::on_allocate_error(const Error& e, std::uint16_t code) {
  if (state_ != AllocationState::allocating) return;
  if (release_requested_) return finish_release();
  if (code == stun::error::unauthenticated || code == tp::error::wrong_credentials) {
    return fail(make_error("turn_auth", creds_ ? fmt::format("the TURN server refused user '{}' in realm '{}' ({})",
                                                             options_.username, creds_->realm, e.message)
                                               : "the TURN server asked for credentials without a realm and nonce"));
  }
  if (code == tp::error::allocation_mismatch)
    return fail(make_error("allocation_mismatch", "the TURN server already has an allocation for this local port (" +
                                                      e.message + ")"));
  if (e.code == "timeout")
    return fail(make_error("timeout", fmt::format("no answer from the TURN server within {} ms",
                                                  options_.timing.timeout_ms)));
  if (code == 0) return fail(e);
  fail(make_error("turn_refused", "the TURN server refused the allocation: " + e.message));
}

// --- refresh, release, failure -------------------------------------------------------------

void Allocation::refresh() {
  refresh_in_flight_ = true;
  request(
      tp::make_refresh({}, options_.lifetime_s),
      [this](const stun::Message& m) {
        refresh_in_flight_ = false;
        if (!alive()) return;
        const std::uint64_t now = clock_.now_ms();
        auto lifetime = tp::get_lifetime(m);
        lifetime_s_ = lifetime ? *lifetime : options_.lifetime_s;
        expires_at_ = now + std::uint64_t{lifetime_s_} * 1000;
        refresh_at_ = now + refresh_delay_ms(lifetime_s_);
        ++counters_.refreshes;
      },
      [this](const Error& e, std::uint16_t code) {
        refresh_in_flight_ = false;
        if (!alive()) return;
        if (code == tp::error::allocation_mismatch)
          return fail(make_error("allocation_lost", "the TURN server no longer has this allocation (" + e.message + ")"));
        const std::uint64_t now = clock_.now_ms();
        if (now + kRetryMs < expires_at_) {
          refresh_at_ = now + kRetryMs;  // try again while the allocation lasts
          return;
        }
        fail(make_error("expired", "the allocation expired: its refreshes failed (" + e.message + ")"));
      });
}

void Allocation::release() {
  if (state_ == AllocationState::allocating) {
    release_requested_ = true;
    if (!started_) finish_release();
    return;
  }
  if (state_ != AllocationState::allocated) return;
  state_ = AllocationState::releasing;
  transactions_.cancel_all();
  drop_peers(make_error("closed", "the allocation was released"));
  request(
      tp::make_refresh({}, 0), [this](const stun::Message&) { finish_release(); },
      [this](const Error&, std::uint16_t) { finish_release(); });  // 437: already gone; timeout: it lapses
}

void Allocation::finish_release() {
  if (state_ == AllocationState::released || state_ == AllocationState::failed) return;
  state_ = AllocationState::released;
  transactions_.cancel_all();
  if (events_.on_released) events_.on_released();
}

void Allocation::fail(Error error) {
  if (state_ == AllocationState::released || state_ == AllocationState::failed) return;
  state_ = AllocationState::failed;
  error_ = error;
  transactions_.cancel_all();
  drop_peers(error);
  if (events_.on_failed) events_.on_failed(error);
}

void Allocation::on_link_failed(const Error& error) {
  if (state_ == AllocationState::releasing) return finish_release();
  if (state_ == AllocationState::allocating && release_requested_) return finish_release();
  if (state_ == AllocationState::allocating) return fail(error);
  fail(make_error("allocation_lost", "the connection to the TURN server failed: " + error.message));
}

// --- input and time ---------------------------------------------------------------------

void Allocation::on_frame(std::span<const std::uint8_t> frame) {
  if (frame.empty()) return;
  if ((frame[0] & 0xC0) == 0x40) return on_channel_data(frame);
  auto m = stun::parse(frame);
  if (!m) {
    ++counters_.dropped;
    return;
  }
  if (m->message_class == stun::MessageClass::indication) return on_indication(*m);
  if (!transactions_.on_response(frame, *m)) ++counters_.dropped;  // late or unknown answer
}

void Allocation::on_timer() {
  transactions_.on_timer();
  if (!alive()) return;
  const std::uint64_t now = clock_.now_ms();
  if (!refresh_in_flight_ && now >= refresh_at_) refresh();
  if (!alive()) return;
  tick_channels(now);
  if (!alive()) return;
  tick_permissions(now);
  if (!alive()) return;
  if (!link_.is_stream() && options_.keepalive_ms > 0 && now >= last_tx_ + options_.keepalive_ms) {
    stun::Message keepalive;
    keepalive.message_class = stun::MessageClass::indication;
    keepalive.transaction_id = random_transaction_id();
    send_frame(stun::serialize(keepalive));
  }
}

std::optional<std::uint64_t> Allocation::next_wakeup() const {
  std::optional<std::uint64_t> next = transactions_.next_wakeup();
  auto consider = [&next](std::uint64_t at) {
    if (!next || at < *next) next = at;
  };
  if (!alive()) return next;
  if (!refresh_in_flight_) consider(refresh_at_);
  if (!link_.is_stream() && options_.keepalive_ms > 0) consider(last_tx_ + options_.keepalive_ms);
  for (const auto& [key, p] : permissions_) {
    if (!p.installed || p.in_flight) continue;
    consider(p.pinned || p.last_used > p.last_sent ? p.refresh_at : p.expires_at);
  }
  for (const auto& [number, c] : channels_) {
    if (!c.bound || c.in_flight) continue;
    consider(c.pinned || c.last_used > c.last_sent ? c.refresh_at : c.expires_at);
  }
  return next;
}

void Allocation::send_frame(std::span<const std::uint8_t> frame) {
  last_tx_ = clock_.now_ms();
  (void)link_.send_frame(frame);
}

}  // namespace p2pd::traverse::turn
