#include "core/traverse/turn_transactions.hpp"

#include <sodium.h>

#include <algorithm>

#include "core/proto/stun_integrity.hpp"

namespace p2pd::traverse::turn {

namespace stun = proto::stun;

TransactionId random_transaction_id() {
  TransactionId id;
  randombytes_buf(id.data(), id.size());
  return id;
}

void Transactions::start(const TransactionId& id, std::vector<std::uint8_t> request,
                         std::vector<std::uint8_t> integrity_key, Done done) {
  const std::uint64_t now = clock_.now_ms();
  Pending p;
  p.request = std::move(request);
  p.key = std::move(integrity_key);
  p.done = std::move(done);
  p.rto = timing_.rto_ms;
  p.deadline = now + timing_.timeout_ms;
  if (!link_.is_stream()) {
    // RFC 8489 §6.2.1: the whole schedule, capped by timeout_ms.
    std::uint64_t total = 0, rto = timing_.rto_ms;
    for (int i = 1; i < timing_.max_sends; ++i, rto *= 2) total += rto;
    total += timing_.last_wait_rto * timing_.rto_ms;
    p.deadline = now + std::min(total, timing_.timeout_ms);
    p.next_at = std::min(now + p.rto, p.deadline);
  } else {
    p.next_at = p.deadline;
  }
  (void)link_.send_frame(p.request);  // a failed send is retried like a lost one
  pending_[id] = std::move(p);
}

bool Transactions::on_response(std::span<const std::uint8_t> raw, const stun::Message& m) {
  if (m.message_class != stun::MessageClass::success_response && m.message_class != stun::MessageClass::error_response)
    return false;
  auto it = pending_.find(m.transaction_id);
  if (it == pending_.end()) return false;
  const bool signed_answer = m.has(stun::attr::message_integrity) || m.has(stun::attr::message_integrity_sha256);
  const bool must_verify = !it->second.key.empty() && (m.message_class == stun::MessageClass::success_response ||
                                                       signed_answer);
  if (must_verify && !stun::verify_integrity(raw, it->second.key).ok()) {
    ++bad_integrity_;
    return true;  // consumed (and ignored): the real answer may still come
  }
  Done done = std::move(it->second.done);
  pending_.erase(it);
  done(m);
  return true;
}

void Transactions::on_timer() {
  const std::uint64_t now = clock_.now_ms();
  std::vector<Done> expired;
  for (auto it = pending_.begin(); it != pending_.end();) {
    Pending& p = it->second;
    if (now >= p.deadline) {
      expired.push_back(std::move(p.done));
      it = pending_.erase(it);
      continue;
    }
    if (!link_.is_stream() && now >= p.next_at) {
      if (p.sends < timing_.max_sends) {
        (void)link_.send_frame(p.request);
        ++p.sends;
        ++retransmits_;
        p.rto *= 2;
        p.next_at = std::min(now + p.rto, p.deadline);
      } else {
        p.next_at = p.deadline;
      }
    }
    ++it;
  }
  for (Done& d : expired) d(make_error("timeout", "no answer from the server"));
}

std::optional<std::uint64_t> Transactions::next_wakeup() const {
  std::optional<std::uint64_t> next;
  for (const auto& [id, p] : pending_) {
    const std::uint64_t at = std::min(p.next_at, p.deadline);
    if (!next || at < *next) next = at;
  }
  return next;
}

void Transactions::cancel_all() {
  auto all = std::move(pending_);
  pending_.clear();
  for (auto& [id, p] : all) p.done(make_error("cancelled", "the allocation was closed"));
}

}  // namespace p2pd::traverse::turn
