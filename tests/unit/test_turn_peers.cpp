// TURN permissions, channels and data through the allocation state machine, with time
// driven by hand: permissions and channels installed on first use and refreshed while
// used, data queued until the permission holds, ChannelData once bound (padded on TCP),
// inbound Data indications and ChannelData, RFC 6062 Connect and ConnectionAttempt.
#include <catch2/catch.hpp>

#include <optional>

#include "core/traverse/turn_allocation.hpp"
#include "core/traverse/turn_timing.hpp"
#include "test_turn_fake_server.hpp"

using namespace p2pd;
using namespace p2pd::traverse::turn;
using namespace p2pd::traverse::turn::testing;

namespace {

struct Peers {
  explicit Peers(AllocationOptions o = {}, bool stream = false) : link(stream), alloc(clock, link, fill(o), events()) {
    alloc.start();
    alloc.on_frame(error_answer(last(), 401, "nonce-1"));
    alloc.on_frame(allocate_success(last(), 600));
    REQUIRE(alloc.state() == AllocationState::allocated);
    link.sent.clear();
  }
  static AllocationOptions fill(AllocationOptions o) {
    o.username = kUser;
    o.password = kPass;
    return o;
  }
  Allocation::Events events() {
    Allocation::Events e;
    e.on_failed = [this](const Error& err) { failed = err; };
    e.on_data = [this](const Address& peer, std::span<const std::uint8_t> d) {
      received.emplace_back(peer, std::vector<std::uint8_t>(d.begin(), d.end()));
    };
    e.on_connection_attempt = [this](std::uint32_t id, const Address& peer) { attempts.emplace_back(id, peer); };
    return e;
  }
  stun::Message last() { return stun::parse(link.sent.back()).value(); }
  // Moves the clock on, firing the timer when due; the server keeps the allocation
  // alive (answers its refreshes at once), the rest is up to the test.
  void run_for(std::uint64_t ms) {
    const std::uint64_t until = clock.now + ms;
    for (;;) {
      auto next = alloc.next_wakeup();
      if (!next || *next > until) break;
      clock.now = std::max(clock.now, *next);
      const std::size_t before = link.sent.size();
      alloc.on_timer();
      for (std::size_t i = before; i < link.sent.size(); ++i) {
        auto m = stun::parse(link.sent[i]);
        if (m && m->method == tp::method::refresh && m->message_class == stun::MessageClass::request) {
          link.sent.erase(link.sent.begin() + static_cast<std::ptrdiff_t>(i));
          alloc.on_frame(ok_answer(*m, [](stun::Message& r) { tp::add_lifetime(r, 600); }));
          break;
        }
      }
    }
    clock.now = until;
  }
  // Answers every outstanding request of `method` with success.
  void confirm(stun::Method method) {
    for (auto& r : requests_of(link, method)) alloc.on_frame(ok_answer(r));
  }
  std::size_t count(stun::Method method) { return requests_of(link, method).size(); }

  FakeClock clock;
  FakeLink link;
  Allocation alloc;
  std::optional<Error> failed;
  std::vector<std::pair<Address, std::vector<std::uint8_t>>> received;
  std::vector<std::pair<std::uint32_t, Address>> attempts;
};

const std::vector<std::uint8_t> kHello = {'h', 'e', 'l', 'l', 'o'};

std::vector<std::uint8_t> channel_data_to(std::uint16_t channel, const std::vector<std::uint8_t>& data) {
  return tp::serialize_channel_data(channel, data, tp::Padding::none);
}

}  // namespace

TEST_CASE("TURN send: permission and channel on first use, data queued, then ChannelData", "[turn][peers]") {
  Peers p;
  REQUIRE(p.alloc.send(kPeer, kHello).ok());
  REQUIRE(p.alloc.send(kPeer, kHello).ok());
  // CreatePermission and ChannelBind went out; the data waits for the permission.
  REQUIRE(p.count(tp::method::create_permission) == 1);
  REQUIRE(p.count(tp::method::channel_bind) == 1);
  CHECK(p.link.sent.size() == 2);
  auto perm = requests_of(p.link, tp::method::create_permission)[0];
  CHECK(stun::get_xor_address(perm, tp::attr::xor_peer_address).value() == Address::v4({192, 0, 2, 2}, 0));
  auto bind = requests_of(p.link, tp::method::channel_bind)[0];
  const std::uint16_t channel = tp::get_channel_number(bind).value();
  CHECK(channel == tp::kMinChannel);
  CHECK(stun::get_xor_address(bind, tp::attr::xor_peer_address).value() == kPeer);
  auto views = p.alloc.permissions();
  REQUIRE(views.size() == 1);
  CHECK_FALSE(views[0].installed);

  p.alloc.on_frame(ok_answer(perm));
  // Both queued datagrams left as Send indications.
  auto sent = stun_sent(p.link);
  REQUIRE(sent.size() == 4);
  for (int i : {2, 3}) {
    CHECK(sent[i].method == tp::method::send);
    CHECK(sent[i].message_class == stun::MessageClass::indication);
    CHECK(stun::get_xor_address(sent[i], tp::attr::xor_peer_address).value() == kPeer);
    auto d = tp::get_data(sent[i]).value();
    CHECK(std::vector<std::uint8_t>(d.begin(), d.end()) == kHello);
  }
  CHECK(p.alloc.permissions()[0].installed);
  CHECK(p.alloc.permissions()[0].expires_at_ms == p.clock.now + kPermissionLifetimeMs);

  p.alloc.on_frame(ok_answer(bind));
  REQUIRE(p.alloc.send(kPeer, kHello).ok());
  CHECK(p.link.sent.back() == channel_data_to(channel, kHello));
  CHECK(p.alloc.counters().channel_data_sent == 1);
  CHECK(p.alloc.counters().send_indications == 2);
  CHECK(p.alloc.counters().bytes_sent == 15);
  REQUIRE(p.alloc.channels().size() == 1);
  CHECK(p.alloc.channels()[0].bound);

  // A second peer gets the next channel number.
  REQUIRE(p.alloc.send(kPeer2, kHello).ok());
  auto binds = requests_of(p.link, tp::method::channel_bind);
  CHECK(tp::get_channel_number(binds.back()).value() == tp::kMinChannel + 1);
}

TEST_CASE("TURN send over TCP pads ChannelData, limits and bad peers", "[turn][peers]") {
  Peers p({}, true);
  REQUIRE(p.alloc.send(kPeer, kHello).ok());
  p.confirm(tp::method::create_permission);
  p.confirm(tp::method::channel_bind);
  REQUIRE(p.alloc.send(kPeer, kHello).ok());
  auto frame = p.link.sent.back();
  CHECK(frame.size() == 12);
  CHECK(tp::parse_channel_data(frame).value().data.size() == 5);

  CHECK(p.alloc.send(kPeer, std::vector<std::uint8_t>(70000)).error().code == "too_large");
  CHECK(p.alloc.send(Address::v6({0x20, 1}, 5), kHello).error().code == "bad_request");

  // The queue for a peer whose permission is pending is bounded: the rest is dropped.
  AllocationOptions small;
  small.max_queued_bytes = 8;
  Peers q(small);
  REQUIRE(q.alloc.send(kPeer, kHello).ok());
  REQUIRE(q.alloc.send(kPeer, kHello).ok());
  CHECK(q.alloc.counters().dropped == 1);
}

TEST_CASE("TURN permission refused: queued data dropped, waiters told", "[turn][peers]") {
  Peers p;
  std::optional<Status> result;
  p.alloc.permit(kPeer, [&](Status s) { result = s; });
  REQUIRE(p.alloc.send(kPeer, kHello).ok());
  auto perm = requests_of(p.link, tp::method::create_permission).at(0);
  p.alloc.on_frame(error_answer(perm, 403, nullptr, true));
  REQUIRE(result);
  CHECK(result->error().code == "turn_refused");
  CHECK(result->error().message.find("403") != std::string::npos);
  CHECK(p.alloc.permissions().empty());
  CHECK(p.alloc.counters().dropped == 1);
  CHECK(p.alloc.state() == AllocationState::allocated);
}

TEST_CASE("TURN permissions: refreshed every 4 minutes while used, lapse when not", "[turn][peers]") {
  AllocationOptions o;
  o.auto_channels = false;
  Peers p(o);
  REQUIRE(p.alloc.send(kPeer, kHello).ok());
  p.confirm(tp::method::create_permission);
  p.link.sent.clear();

  // Used within the period: refreshed at 240 s.
  p.run_for(100'000);
  REQUIRE(p.alloc.send(kPeer, kHello).ok());
  p.run_for(kPermissionRefreshMs - 100'000 - 1);
  CHECK(p.count(tp::method::create_permission) == 0);
  p.run_for(1);
  REQUIRE(p.count(tp::method::create_permission) == 1);
  p.confirm(tp::method::create_permission);
  CHECK(p.alloc.counters().permission_refreshes == 1);
  p.link.sent.clear();

  // Inbound data counts as use too.
  const auto t = p.clock.now;
  stun::Message data;
  data.message_class = stun::MessageClass::indication;
  data.method = tp::method::data;
  data.transaction_id = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
  stun::add_xor_address(data, tp::attr::xor_peer_address, kPeer);
  tp::add_data(data, kHello);
  p.run_for(10'000);
  p.alloc.on_frame(stun::serialize(data));
  REQUIRE(p.received.size() == 1);
  CHECK(p.received[0].first == kPeer);
  CHECK(p.received[0].second == kHello);
  p.run_for(kPermissionRefreshMs - (p.clock.now - t));
  REQUIRE(p.count(tp::method::create_permission) == 1);
  p.confirm(tp::method::create_permission);
  p.link.sent.clear();

  // Unused for a whole period: no refresh, and it lapses after 300 s.
  p.run_for(kPermissionLifetimeMs);
  CHECK(p.count(tp::method::create_permission) == 0);
  CHECK(p.alloc.permissions().empty());

  // Pinned by permit(): refreshed without traffic.
  std::optional<Status> ok;
  p.alloc.permit(kPeer2, [&](Status s) { ok = s; });
  p.confirm(tp::method::create_permission);
  REQUIRE(ok);
  CHECK(ok->ok());
  p.link.sent.clear();
  for (int i = 0; i < 3; ++i) {
    p.run_for(kPermissionRefreshMs);
    p.confirm(tp::method::create_permission);
  }
  CHECK(p.count(tp::method::create_permission) == 3);
  CHECK(p.alloc.permissions().at(0).pinned);
  p.alloc.revoke(kPeer2);
  CHECK(p.alloc.permissions().empty());
}

TEST_CASE("TURN channels: one ChannelBind refresh keeps channel and permission", "[turn][peers]") {
  Peers p;
  REQUIRE(p.alloc.send(kPeer, kHello).ok());
  p.confirm(tp::method::create_permission);
  p.confirm(tp::method::channel_bind);
  p.link.sent.clear();
  // Used all along: at 240 s one ChannelBind, no CreatePermission.
  for (int i = 0; i < 4; ++i) {
    p.run_for(60'000);
    REQUIRE(p.alloc.send(kPeer, kHello).ok());
  }
  CHECK(p.count(tp::method::channel_bind) == 1);
  CHECK(p.count(tp::method::create_permission) == 0);
  p.confirm(tp::method::channel_bind);
  CHECK(p.alloc.counters().channel_refreshes == 1);
  p.link.sent.clear();

  // Inbound ChannelData on the bound channel is delivered; on an unknown one dropped.
  const std::uint16_t channel = p.alloc.channels().at(0).number;
  p.alloc.on_frame(channel_data_to(channel, kHello));
  p.alloc.on_frame(channel_data_to(0x4123, kHello));
  REQUIRE(p.received.size() == 1);
  CHECK(p.received[0].first == kPeer);
  CHECK(p.alloc.counters().dropped == 1);

  // Idle: the binding lapses locally at its expiry and its number cools down.
  p.run_for(kChannelLifetimeMs + 1);
  CHECK(p.count(tp::method::channel_bind) == 0);
  CHECK(p.alloc.channels().empty());
  CHECK(p.alloc.permissions().empty());
  // The next peer does not get the cooling number.
  REQUIRE(p.alloc.send(kPeer2, kHello).ok());
  CHECK(tp::get_channel_number(requests_of(p.link, tp::method::channel_bind).at(0)).value() != channel);
}

TEST_CASE("TURN channels: explicit bind, refusal falls back to Send indications", "[turn][peers]") {
  Peers p;
  std::optional<Result<std::uint16_t>> bound;
  p.alloc.bind_channel(kPeer, [&](Result<std::uint16_t> r) { bound = r; });
  p.confirm(tp::method::create_permission);
  CHECK_FALSE(bound);
  p.confirm(tp::method::channel_bind);
  REQUIRE(bound);
  CHECK(bound->value() == tp::kMinChannel);

  std::optional<Result<std::uint16_t>> refused;
  p.alloc.bind_channel(kPeer2, [&](Result<std::uint16_t> r) { refused = r; });
  p.confirm(tp::method::create_permission);
  auto bind = requests_of(p.link, tp::method::channel_bind).back();
  p.alloc.on_frame(error_answer(bind, 400, nullptr, true));
  REQUIRE(refused);
  CHECK_FALSE(refused->ok());
  REQUIRE(p.alloc.send(kPeer2, kHello).ok());
  CHECK(stun::parse(p.link.sent.back())->method == tp::method::send);
}

TEST_CASE("TURN 437 on a permission or channel means the allocation is gone", "[turn][peers]") {
  Peers p;
  REQUIRE(p.alloc.send(kPeer, kHello).ok());
  auto perm = requests_of(p.link, tp::method::create_permission).at(0);
  p.alloc.on_frame(error_answer(perm, 437, nullptr, true));
  REQUIRE(p.failed);
  CHECK(p.failed->code == "allocation_lost");
  CHECK(p.alloc.send(kPeer, kHello).error().code == "unavailable");
}

TEST_CASE("TURN keepalive on an idle UDP link", "[turn][peers]") {
  Peers p;
  p.run_for(15'000);
  REQUIRE(p.link.sent.size() == 1);
  auto k = p.last();
  CHECK(k.method == stun::method::binding);
  CHECK(k.message_class == stun::MessageClass::indication);
  p.run_for(15'000);
  CHECK(p.link.sent.size() == 2);

  Peers tcp({}, true);  // streams need none
  tcp.run_for(60'000);
  CHECK(tcp.link.sent.empty());
}

TEST_CASE("TURN RFC 6062: Connect after a permission, ConnectionAttempt reported", "[turn][peers]") {
  AllocationOptions o;
  o.protocol = tp::kProtocolTcp;
  Peers p(o, true);
  CHECK(p.alloc.send(kPeer, kHello).error().code == "bad_request");
  std::optional<Result<std::uint32_t>> id;
  p.alloc.connect(kPeer, [&](Result<std::uint32_t> r) { id = r; });
  CHECK(p.count(tp::method::connect) == 0);
  p.confirm(tp::method::create_permission);
  REQUIRE(p.count(tp::method::connect) == 1);
  auto connect = requests_of(p.link, tp::method::connect)[0];
  CHECK(stun::get_xor_address(connect, tp::attr::xor_peer_address).value() == kPeer);
  p.alloc.on_frame(ok_answer(connect, [](stun::Message& r) { tp::add_connection_id(r, 0xabcd); }));
  REQUIRE(id);
  CHECK(id->value() == 0xabcd);
  CHECK(p.alloc.permissions().at(0).pinned);

  std::optional<Result<std::uint32_t>> failed;
  p.alloc.connect(kPeer2, [&](Result<std::uint32_t> r) { failed = r; });
  p.confirm(tp::method::create_permission);
  p.alloc.on_frame(error_answer(requests_of(p.link, tp::method::connect).back(), 447, nullptr, true));
  REQUIRE(failed);
  CHECK(failed->error().code == "unreachable");

  stun::Message attempt;
  attempt.message_class = stun::MessageClass::indication;
  attempt.method = tp::method::connection_attempt;
  attempt.transaction_id = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  tp::add_connection_id(attempt, 77);
  stun::add_xor_address(attempt, tp::attr::xor_peer_address, kPeer2);
  p.alloc.on_frame(stun::serialize(attempt));
  REQUIRE(p.attempts.size() == 1);
  CHECK(p.attempts[0].first == 77);
  CHECK(p.attempts[0].second == kPeer2);

  Peers udp;
  std::optional<Result<std::uint32_t>> refused;
  udp.alloc.connect(kPeer, [&](Result<std::uint32_t> r) { refused = r; });
  CHECK(refused->error().code == "bad_request");
}

TEST_CASE("TURN release drops peers and tells their waiters", "[turn][peers]") {
  Peers p;
  std::optional<Status> perm;
  std::optional<Result<std::uint16_t>> chan;
  p.alloc.permit(kPeer, [&](Status s) { perm = s; });
  p.alloc.bind_channel(kPeer2, [&](Result<std::uint16_t> r) { chan = r; });
  p.alloc.release();
  REQUIRE(perm);
  REQUIRE(chan);
  CHECK(perm->error().code == "closed");
  CHECK(chan->error().code == "closed");
  CHECK(p.alloc.permissions().empty());
  CHECK(p.alloc.channels().empty());
}
