// The TURN allocation state machine against a scripted server, with time driven by
// hand: the 401 handshake, wrong passwords, 438, 437/508/300, retransmission timing,
// refresh before expiry, release.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "core/traverse/turn_allocation.hpp"
#include "core/traverse/turn_timing.hpp"
#include "test_turn_fake_server.hpp"

using namespace p2pd;
using namespace p2pd::traverse::turn;
using namespace p2pd::traverse::turn::testing;

namespace {

struct Harness {
  explicit Harness(AllocationOptions o = {}, bool stream = false) : link(stream), alloc(clock, link, fill(o), events()) {}

  static AllocationOptions fill(AllocationOptions o) {
    if (o.username.empty()) o.username = kUser;
    if (o.password.empty()) o.password = kPass;
    return o;
  }
  Allocation::Events events() {
    Allocation::Events e;
    e.on_allocated = [this] { ++allocated; };
    e.on_failed = [this](const Error& err) { failed = err; };
    e.on_released = [this] { ++released; };
    e.on_data = [this](const Address& peer, std::span<const std::uint8_t> d) {
      received.emplace_back(peer, std::vector<std::uint8_t>(d.begin(), d.end()));
    };
    e.on_connection_attempt = [this](std::uint32_t id, const Address& peer) { attempts.emplace_back(id, peer); };
    return e;
  }

  stun::Message last() { return stun::parse(link.sent.back()).value(); }
  void feed(const std::vector<std::uint8_t>& bytes) { alloc.on_frame(bytes); }
  // Moves the clock forward to `until`, firing the timer whenever it is due.
  void run_for(std::uint64_t ms) {
    const std::uint64_t until = clock.now + ms;
    for (;;) {
      auto next = alloc.next_wakeup();
      if (!next || *next > until) break;
      clock.now = std::max(clock.now, *next);
      alloc.on_timer();
    }
    clock.now = until;
  }
  // Completes the 401 handshake and the allocation with `lifetime`.
  void allocate(std::uint32_t lifetime = 600) {
    alloc.start();
    feed(error_answer(last(), 401, "nonce-1"));
    feed(allocate_success(last(), lifetime));
    REQUIRE(alloc.state() == AllocationState::allocated);
  }

  FakeClock clock;
  FakeLink link;
  Allocation alloc;
  int allocated = 0, released = 0;
  std::optional<Error> failed;
  std::vector<std::pair<Address, std::vector<std::uint8_t>>> received;
  std::vector<std::pair<std::uint32_t, Address>> attempts;
};

}  // namespace

TEST_CASE("TURN allocate: 401 challenge, then an authenticated Allocate", "[turn][allocation]") {
  Harness h;
  h.alloc.start();
  REQUIRE(h.link.sent.size() == 1);
  auto first = h.last();
  CHECK(first.method == tp::method::allocate);
  CHECK(tp::get_requested_transport(first).value() == tp::kProtocolUdp);
  CHECK(tp::get_lifetime(first).value() == 600);
  CHECK_FALSE(first.has(stun::attr::username));
  CHECK_FALSE(first.has(tp::attr::requested_address_family));  // IPv4 is the default

  h.feed(error_answer(first, 401, "nonce-1"));
  REQUIRE(h.link.sent.size() == 2);
  auto second = h.last();
  CHECK(second.transaction_id != first.transaction_id);
  CHECK(stun::get_username(second).value() == kUser);
  CHECK(stun::get_realm(second).value() == kRealm);
  CHECK(stun::get_nonce(second).value() == "nonce-1");
  CHECK(stun::verify_integrity(h.link.sent.back(), server_key()).ok());
  // The password itself never goes on the wire.
  std::string wire(h.link.sent.back().begin(), h.link.sent.back().end());
  CHECK(wire.find(kPass) == std::string::npos);

  h.feed(allocate_success(second, 600));
  CHECK(h.alloc.state() == AllocationState::allocated);
  CHECK(h.allocated == 1);
  CHECK(h.alloc.relayed() == kRelayed);
  CHECK(h.alloc.mapped() == kMapped);
  CHECK(h.alloc.lifetime_s() == 600);
  CHECK(h.alloc.expires_at_ms() == h.clock.now + 600'000);
  REQUIRE(h.alloc.credentials() != nullptr);
  CHECK(h.alloc.credentials()->nonce == "nonce-1");
}

TEST_CASE("TURN allocate: a wrong password is a clear error", "[turn][allocation]") {
  Harness h;
  h.alloc.start();
  h.feed(error_answer(h.last(), 401, "nonce-1"));
  h.feed(error_answer(h.last(), 401, "nonce-1"));  // same nonce: the credentials were refused
  CHECK(h.alloc.state() == AllocationState::failed);
  REQUIRE(h.failed);
  CHECK(h.failed->code == "turn_auth");
  CHECK(h.failed->message.find("alice") != std::string::npos);
  CHECK(h.failed->message.find(kRealm) != std::string::npos);
  CHECK(h.failed->message.find(kPass) == std::string::npos);
  CHECK(h.link.sent.size() == 2);

  // A server that changes the nonce on every 401 is tried a bounded number of times.
  Harness again;
  again.alloc.start();
  for (int i = 0; i < 10 && again.alloc.state() == AllocationState::allocating; ++i)
    again.feed(error_answer(again.last(), 401, ("n" + std::to_string(i)).c_str()));
  CHECK(again.failed->code == "turn_auth");
  CHECK(again.link.sent.size() <= 4);

  // 441 Wrong Credentials, and a 401 without a realm.
  Harness wrong;
  wrong.alloc.start();
  wrong.feed(error_answer(wrong.last(), 401, "nonce-1"));
  wrong.feed(error_answer(wrong.last(), 441));
  CHECK(wrong.failed->code == "turn_auth");
  Harness bare;
  bare.alloc.start();
  bare.feed(error_answer(bare.last(), 401));
  CHECK(bare.failed->code == "turn_auth");
}

TEST_CASE("TURN allocate: 437, 508, 486 and 300 are refusals the driver can act on", "[turn][allocation]") {
  for (std::uint16_t code : {437, 508, 486, 440, 442}) {
    Harness h;
    h.alloc.start();
    h.feed(error_answer(h.last(), 401, "nonce-1"));
    h.feed(error_answer(h.last(), code));
    REQUIRE(h.failed);
    CHECK(h.alloc.error_response_code() == code);
    CHECK(h.failed->code == (code == 437 ? "allocation_mismatch" : "turn_refused"));
    CHECK(h.failed->message.find(std::to_string(code)) != std::string::npos);
  }
  Harness alt;
  alt.alloc.start();
  alt.feed(error_answer(alt.last(), 401, "nonce-1"));
  alt.feed(answer(alt.last(), stun::MessageClass::error_response, [](stun::Message& r) {
    stun::add_error_code(r, {300, "Try Alternate"});
    stun::add_address(r, stun::attr::alternate_server, Address::v4({198, 51, 100, 21}, 3478));
  }, false));
  CHECK(alt.failed->code == "turn_refused");
  CHECK(alt.alloc.alternate_server() == Address::v4({198, 51, 100, 21}, 3478));
}

TEST_CASE("TURN transactions: RFC 8489 retransmissions over UDP, one send over TCP", "[turn][allocation]") {
  AllocationOptions o;
  o.timing.timeout_ms = 60'000;  // the full RFC schedule: 0, .5, 1.5, 3.5, 7.5, 15.5, 31.5 s, then 8 s
  Harness h(o);
  const auto t0 = h.clock.now;
  h.alloc.start();
  std::vector<std::uint64_t> at;
  for (int i = 0; i < 60'000 && !h.failed; i += 50) {
    const auto before = h.link.sent.size();
    h.run_for(50);
    if (h.link.sent.size() > before) at.push_back(h.clock.now - t0);
  }
  // Sends happen at the first timer check at or after each scheduled time (50 ms steps).
  CHECK(at == std::vector<std::uint64_t>{500, 1500, 3500, 7500, 15500, 31500});
  CHECK(h.link.sent.size() == 7);
  REQUIRE(h.failed);
  CHECK(h.failed->code == "timeout");
  CHECK(h.alloc.retransmits() == 6);

  Harness capped;  // default cap: 10 s
  capped.alloc.start();
  capped.run_for(9'999);
  CHECK_FALSE(capped.failed);
  capped.run_for(1);
  CHECK(capped.failed->code == "timeout");
  CHECK(capped.link.sent.size() == 5);

  Harness tcp({}, true);
  tcp.alloc.start();
  tcp.run_for(9'999);
  CHECK(tcp.link.sent.size() == 1);
  tcp.run_for(1);
  CHECK(tcp.failed->code == "timeout");
}

TEST_CASE("TURN refresh: before expiry, with 438 stale nonce followed", "[turn][allocation]") {
  Harness h;
  h.allocate(600);
  const auto sent = h.link.sent.size();
  h.run_for(refresh_delay_ms(600) - 1);
  CHECK(requests_of(h.link, tp::method::refresh).empty());
  h.run_for(1);
  REQUIRE(requests_of(h.link, tp::method::refresh).size() == 1);
  CHECK(h.link.sent.size() > sent);
  auto refresh = h.last();
  CHECK(tp::get_lifetime(refresh).value() == 600);
  CHECK(stun::get_nonce(refresh).value() == "nonce-1");

  h.feed(error_answer(refresh, 438, "nonce-2"));
  auto retry = h.last();
  CHECK(retry.method == tp::method::refresh);
  CHECK(stun::get_nonce(retry).value() == "nonce-2");
  CHECK(stun::verify_integrity(h.link.sent.back(), server_key()).ok());
  h.feed(ok_answer(retry, [](stun::Message& r) { tp::add_lifetime(r, 300); }));
  CHECK(h.alloc.counters().refreshes == 1);
  CHECK(h.alloc.counters().stale_nonces == 1);
  CHECK(h.alloc.lifetime_s() == 300);
  CHECK(h.alloc.expires_at_ms() == h.clock.now + 300'000);
  CHECK(h.alloc.credentials()->nonce == "nonce-2");

  // A short lifetime (the server caps it) is refreshed at half of it.
  Harness s;
  s.allocate(20);
  s.run_for(9'999);
  CHECK(requests_of(s.link, tp::method::refresh).empty());
  s.run_for(1);
  CHECK(requests_of(s.link, tp::method::refresh).size() == 1);
}

TEST_CASE("TURN refresh: 437 loses the allocation, timeouts retry until expiry", "[turn][allocation]") {
  Harness h;
  h.allocate(600);
  h.run_for(refresh_delay_ms(600));
  h.feed(error_answer(h.last(), 437, nullptr, true));
  REQUIRE(h.failed);
  CHECK(h.failed->code == "allocation_lost");

  Harness t;
  t.allocate(600);
  t.run_for(600'000 + 1);  // nothing answers
  REQUIRE(t.failed);
  CHECK(t.failed->code == "expired");
  CHECK(requests_of(t.link, tp::method::refresh).size() > 2);  // refreshes tried again in the last minute
}

TEST_CASE("TURN release: Refresh with LIFETIME 0, also when asked while allocating", "[turn][allocation]") {
  Harness h;
  h.allocate();
  h.alloc.release();
  CHECK(h.alloc.state() == AllocationState::releasing);
  auto refresh = h.last();
  CHECK(refresh.method == tp::method::refresh);
  CHECK(tp::get_lifetime(refresh).value() == 0);
  CHECK(stun::verify_integrity(h.link.sent.back(), server_key()).ok());
  h.feed(ok_answer(refresh, [](stun::Message& r) { tp::add_lifetime(r, 0); }));
  CHECK(h.alloc.state() == AllocationState::released);
  CHECK(h.released == 1);
  h.alloc.release();  // idempotent
  CHECK(h.released == 1);

  Harness early;
  early.alloc.start();
  early.feed(error_answer(early.last(), 401, "nonce-1"));
  early.alloc.release();
  CHECK(early.alloc.state() == AllocationState::allocating);
  early.feed(allocate_success(early.last(), 600));  // allocated after all: deleted at once
  CHECK(early.allocated == 0);
  CHECK(tp::get_lifetime(early.last()).value() == 0);
  early.feed(error_answer(early.last(), 437, nullptr, true));  // already gone counts as released
  CHECK(early.released == 1);

  Harness silent;  // the server never confirms: released after the transaction timeout
  silent.allocate();
  silent.alloc.release();
  silent.run_for(10'000);
  CHECK(silent.released == 1);
}

TEST_CASE("TURN answers: forged integrity is ignored, garbage is counted", "[turn][allocation]") {
  Harness h;
  h.alloc.start();
  h.feed(error_answer(h.last(), 401, "nonce-1"));
  auto req = h.last();
  // A success with a MESSAGE-INTEGRITY made with another key, then without any.
  stun::Message forged;
  forged.message_class = stun::MessageClass::success_response;
  forged.method = tp::method::allocate;
  forged.transaction_id = req.transaction_id;
  stun::add_xor_address(forged, tp::attr::xor_relayed_address, kPeer);
  tp::add_lifetime(forged, 600);
  stun::SerializeOptions other;
  other.integrity_key = stun::long_term_key(kUser, kRealm, "not-it").value();
  h.feed(stun::serialize(forged, other));
  h.feed(stun::serialize(forged));
  CHECK(h.alloc.state() == AllocationState::allocating);
  h.feed({0xff, 0x00, 0x12});
  h.feed({0x40, 0x00, 0x00, 0x09});
  h.feed(allocate_success(req, 600));
  CHECK(h.alloc.state() == AllocationState::allocated);
  CHECK(h.alloc.relayed() == kRelayed);
  CHECK(h.alloc.counters().dropped == 2);
}

TEST_CASE("TURN over IPv6 (RFC 6156) and the link failing", "[turn][allocation]") {
  AllocationOptions o;
  o.family = AddressFamily::v6;
  Harness h(o);
  h.alloc.start();
  CHECK(tp::get_address_family(h.last(), tp::attr::requested_address_family).value() == AddressFamily::v6);
  h.feed(error_answer(h.last(), 401, "nonce-1"));
  CHECK(tp::get_address_family(h.last(), tp::attr::requested_address_family).value() == AddressFamily::v6);
  const Address v6 = Address::v6({0x20, 0x01, 0x0d, 0xb8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20}, 50000);
  h.feed(allocate_success(h.last(), 600, v6));
  CHECK(h.alloc.relayed() == v6);
  CHECK(h.alloc.send(kPeer, std::vector<std::uint8_t>{1}).error().code == "bad_request");  // v4 peer

  // An IPv4 relay when IPv6 was asked for is a bad answer.
  Harness wrong(o);
  wrong.alloc.start();
  wrong.feed(error_answer(wrong.last(), 401, "nonce-1"));
  wrong.feed(allocate_success(wrong.last(), 600));
  CHECK(wrong.failed->code == "bad_answer");

  Harness lost;
  lost.allocate();
  lost.alloc.on_link_failed(make_error("unreachable", "connection reset"));
  CHECK(lost.failed->code == "allocation_lost");
  Harness never;
  never.alloc.start();
  never.alloc.on_link_failed(make_error("unreachable", "connection refused"));
  CHECK(never.failed->code == "unreachable");
}
