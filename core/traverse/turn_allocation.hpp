#pragma once
// One TURN allocation on one control link, as a state machine (RFC 8656, RFC 6062 for
// TCP relays, RFC 6156 for IPv6 relays). It speaks through a ServerLink, reads time from
// a Clock, and is woken by its driver at next_wakeup(); it does no I/O of its own.
//
//   allocating --success--> allocated --release()--> releasing --> released
//        |                      |
//        +--refused/timeout-----+--lost (437, refresh failed until expiry, link died)--> failed
//
// What it does by itself once allocated:
// - refreshes the allocation before it expires (a minute early, or at half the lifetime
//   when that is under two minutes) and follows 438 Stale Nonce on any request;
// - installs a permission for every peer address it sends to (queueing that peer's
//   first datagrams until the server confirms), refreshes permissions every 4 minutes
//   while they are used (traffic either way, or pinned by permit()), lets unused ones lapse;
// - binds a channel to every peer it sends to (auto_channels) and switches that peer from
//   Send indications to ChannelData once bound; refreshes bindings while used;
// - keeps a UDP link's NAT binding alive with Binding indications when idle.
// Callbacks (Events) run from inside its methods; the driver must not destroy the
// allocation from inside one (defer it to the next loop turn).
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/proto/turn_messages.hpp"
#include "core/traverse/turn_link.hpp"
#include "core/traverse/turn_transactions.hpp"

namespace p2pd::traverse::turn {

using proto::stun::Address;
using proto::stun::AddressFamily;

struct AllocationOptions {
  std::string username;
  std::string password;  // kept to make the key once the realm is known; never logged
  std::uint8_t protocol = proto::turn::kProtocolUdp;  // relayed transport: UDP, or TCP (RFC 6062)
  AddressFamily family = AddressFamily::v4;           // of the relayed address (RFC 6156)
  std::uint32_t lifetime_s = proto::turn::kDefaultAllocationLifetime;  // asked for; the server caps it
  Timing timing;
  std::uint64_t keepalive_ms = 15000;          // UDP links, idle this long: a Binding indication (0: never)
  std::size_t max_queued_bytes = 256 * 1024;   // per peer while its permission is being installed
  bool auto_channels = true;                   // bind a channel to each peer sent to
};

enum class AllocationState { allocating, allocated, releasing, released, failed };
std::string_view state_name(AllocationState state);

// Error codes of failures (Error::code):
//   turn_auth           401/441: username or password refused (or no realm offered)
//   allocation_mismatch 437 on Allocate: this 5-tuple already has one (use another local port)
//   turn_refused        any other error response (403, 440, 442, 486, 508, 300, ...)
//   timeout             no answer
//   allocation_lost     437 on a later request, or the link to the server failed
//   expired             refreshes failed until the lifetime ran out
//   bad_answer          a success response without the attributes it needs

struct PermissionView {
  Address peer;  // port 0
  bool installed = false;
  bool pinned = false;
  std::uint64_t expires_at_ms = 0;  // 0 until installed
};

struct ChannelView {
  std::uint16_t number = 0;
  Address peer;
  bool bound = false;
  std::uint64_t expires_at_ms = 0;
};

struct AllocationCounters {
  std::uint64_t bytes_sent = 0, bytes_received = 0;
  std::uint64_t datagrams_sent = 0, datagrams_received = 0;
  std::uint64_t channel_data_sent = 0, send_indications = 0;
  std::uint64_t dropped = 0;      // queue overflow, permission refused, unknown channel, bad frames
  std::uint64_t refreshes = 0;    // successful allocation refreshes
  std::uint64_t permission_refreshes = 0, channel_refreshes = 0;
  std::uint64_t stale_nonces = 0;
};

class Allocation {
 public:
  struct Events {
    std::function<void()> on_allocated;
    std::function<void(const Error&)> on_failed;  // nothing follows
    std::function<void()> on_released;            // after release(); nothing follows
    std::function<void(const Address& peer, std::span<const std::uint8_t> data)> on_data;
    std::function<void(std::uint32_t connection_id, const Address& peer)> on_connection_attempt;  // RFC 6062
  };

  Allocation(Clock& clock, ServerLink& link, AllocationOptions options, Events events);
  Allocation(const Allocation&) = delete;
  Allocation& operator=(const Allocation&) = delete;

  void start();                                   // sends the first Allocate
  void on_frame(std::span<const std::uint8_t> frame);  // one whole message from the server
  void on_timer();                                // call at (or after) next_wakeup()
  std::optional<std::uint64_t> next_wakeup() const;
  void on_link_failed(const Error& error);        // the control link died

  // UDP allocations: one datagram to `peer` through the relay. Errors: "unavailable"
  // (not allocated), "bad_request" (TCP allocation, other family), "too_large".
  Status send(const Address& peer, std::span<const std::uint8_t> data);
  // A permission kept until revoke() (the port is ignored). done: installed or refused.
  void permit(const Address& peer, std::function<void(Status)> done = {});
  void revoke(const Address& peer);  // stops refreshing it (it lapses on the server)
  // A channel to peer (ip:port), kept while used. done: the number once bound.
  void bind_channel(const Address& peer, std::function<void(Result<std::uint16_t>)> done = {});
  // RFC 6062: asks the server to open a TCP connection to peer; done: its CONNECTION-ID.
  void connect(const Address& peer, std::function<void(Result<std::uint32_t>)> done);
  // Deletes the allocation on the server (Refresh with LIFETIME 0); on_released follows.
  void release();

  AllocationState state() const { return state_; }
  const std::optional<Error>& error() const { return error_; }
  std::uint16_t error_response_code() const { return error_response_code_; }  // last STUN error code seen
  const std::optional<Address>& alternate_server() const { return alternate_; }  // from a 300
  const std::optional<Address>& relayed() const { return relayed_; }
  const std::optional<Address>& mapped() const { return mapped_; }
  std::uint32_t lifetime_s() const { return lifetime_s_; }  // granted
  std::uint64_t expires_at_ms() const { return expires_at_; }
  std::uint64_t allocated_at_ms() const { return allocated_at_; }
  const AllocationOptions& options() const { return options_; }
  std::vector<PermissionView> permissions() const;
  std::vector<ChannelView> channels() const;
  const AllocationCounters& counters() const { return counters_; }
  std::uint64_t retransmits() const { return transactions_.retransmits(); }
  // For ConnectionBind on RFC 6062 data connections; null before the first 401.
  const proto::turn::LongTermCredentials* credentials() const { return creds_ ? &*creds_ : nullptr; }
  // A data connection was told 438 with this nonce: later requests use it.
  void update_nonce(const std::string& nonce);

 private:
  struct IpKey {
    AddressFamily family;
    std::array<std::uint8_t, 16> bytes;
    auto operator<=>(const IpKey&) const = default;
  };
  struct PeerKey {
    IpKey ip;
    std::uint16_t port;
    auto operator<=>(const PeerKey&) const = default;
  };
  struct Permission {
    Address peer;
    bool installed = false, pinned = false, in_flight = false;
    std::uint64_t refresh_at = 0, expires_at = 0, last_used = 0, last_sent = 0;
    std::deque<std::pair<Address, std::vector<std::uint8_t>>> queued;
    std::size_t queued_bytes = 0;
    std::vector<std::function<void(Status)>> waiters;
  };
  struct Channel {
    Address peer;
    bool bound = false, pinned = false, in_flight = false;
    std::uint64_t refresh_at = 0, expires_at = 0, last_used = 0, last_sent = 0;
    std::vector<std::function<void(Result<std::uint16_t>)>> waiters;
  };
  using OnSuccess = std::function<void(const proto::stun::Message&)>;
  using OnError = std::function<void(const Error&, std::uint16_t code)>;

  static IpKey ip_key(const Address& a);
  static PeerKey peer_key(const Address& a);

  void request(proto::stun::Message message, OnSuccess on_success, OnError on_error, int attempt = 0);
  bool adopt_challenge(const proto::turn::ErrorReply& reply);  // true: retry with new credentials
  void send_allocate();
  void on_allocate_success(const proto::stun::Message& m);
  void on_allocate_error(const Error& e, std::uint16_t code);
  void refresh();
  void fail(Error error);
  void finish_release();

  Permission& ensure_permission(const Address& peer, bool pinned);
  void send_permission(const IpKey& key);
  void on_permission_installed(const IpKey& key);
  void on_permission_refused(const IpKey& key, const Error& e, std::uint16_t code);
  std::uint16_t ensure_channel(const Address& peer, bool pinned);  // 0: none free
  void send_channel_bind(std::uint16_t number);
  void transmit(const Address& peer, std::span<const std::uint8_t> data);
  void send_frame(std::span<const std::uint8_t> frame);
  void deliver(const Address& peer, std::span<const std::uint8_t> data);
  void on_indication(const proto::stun::Message& m);
  void on_channel_data(std::span<const std::uint8_t> frame);
  void tick_permissions(std::uint64_t now);
  void drop_peers(const Error& why);  // forgets permissions and channels; their waiters get `why`
  void tick_channels(std::uint64_t now);
  bool alive() const { return state_ == AllocationState::allocated; }

  Clock& clock_;
  ServerLink& link_;
  AllocationOptions options_;
  Events events_;
  Transactions transactions_;
  AllocationState state_ = AllocationState::allocating;
  bool started_ = false;
  bool release_requested_ = false;
  std::optional<Error> error_;
  std::uint16_t error_response_code_ = 0;
  std::optional<Address> alternate_;
  std::optional<proto::turn::LongTermCredentials> creds_;
  std::optional<Address> relayed_, mapped_;
  std::uint32_t lifetime_s_ = 0;
  std::uint64_t allocated_at_ = 0, expires_at_ = 0, refresh_at_ = 0, last_tx_ = 0;
  bool refresh_in_flight_ = false;
  std::map<IpKey, Permission> permissions_;
  std::map<std::uint16_t, Channel> channels_;
  std::map<PeerKey, std::uint16_t> channel_of_;
  std::map<std::uint16_t, std::uint64_t> cooling_;  // channel number -> reusable after
  std::uint16_t next_channel_ = proto::turn::kMinChannel;
  AllocationCounters counters_;
  std::vector<std::uint8_t> scratch_;  // ChannelData frames are built here
};

}  // namespace p2pd::traverse::turn
