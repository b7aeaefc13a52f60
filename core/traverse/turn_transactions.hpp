#pragma once
// The client transactions of one TURN control link (RFC 8489 §6.2): each request is
// sent, retransmitted over UDP with doubling timeouts (RTO, 2 RTO, ...; Rc sends, then
// Rm x RTO of waiting), and completed by the response with its transaction id, or by a
// timeout. Over TCP/TLS a request is sent once and only the timeout applies. A total
// cap (Timing::timeout_ms) keeps failover to another server quick.
//
// Responses to requests that carried MESSAGE-INTEGRITY must carry a matching one when
// they are success responses (an error response may lack it, RFC 8489 §9.2.5); one that
// does not match is dropped and counted, and the transaction keeps waiting.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "core/proto/stun_message.hpp"
#include "core/traverse/turn_link.hpp"

namespace p2pd::traverse::turn {

using proto::stun::TransactionId;

struct Timing {
  std::uint64_t rto_ms = 500;       // first retransmission timeout
  int max_sends = 7;                // Rc
  std::uint64_t last_wait_rto = 16; // Rm: the wait after the last send, in RTOs
  std::uint64_t timeout_ms = 10000; // cap on the whole transaction (UDP and streams)
};

TransactionId random_transaction_id();

class Transactions {
 public:
  // The response (success or error class), or an Error: "timeout", "cancelled".
  using Done = std::function<void(Result<proto::stun::Message>)>;

  Transactions(Clock& clock, ServerLink& link, Timing timing) : clock_(clock), link_(link), timing_(timing) {}

  // Sends `request` (whose transaction id is `id`) now and keeps it until answered.
  // `integrity_key`: the key the request was signed with (empty: not signed).
  void start(const TransactionId& id, std::vector<std::uint8_t> request, std::vector<std::uint8_t> integrity_key,
             Done done);
  // A response from the server: true if it completed a transaction (its Done has run).
  bool on_response(std::span<const std::uint8_t> raw, const proto::stun::Message& message);
  void on_timer();
  std::optional<std::uint64_t> next_wakeup() const;
  // Completes every transaction with "cancelled" (their Done callbacks run).
  void cancel_all();

  std::size_t size() const { return pending_.size(); }
  std::uint64_t retransmits() const { return retransmits_; }
  std::uint64_t bad_integrity() const { return bad_integrity_; }

 private:
  struct Pending {
    std::vector<std::uint8_t> request;
    std::vector<std::uint8_t> key;
    Done done;
    int sends = 1;
    std::uint64_t rto = 0;
    std::uint64_t next_at = 0;   // next retransmission (UDP), or the deadline
    std::uint64_t deadline = 0;  // gives up here
  };

  Clock& clock_;
  ServerLink& link_;
  Timing timing_;
  std::map<TransactionId, Pending> pending_;
  std::uint64_t retransmits_ = 0;
  std::uint64_t bad_integrity_ = 0;
};

}  // namespace p2pd::traverse::turn
