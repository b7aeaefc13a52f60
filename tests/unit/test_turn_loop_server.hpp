#pragma once
// A small scripted TURN server on 127.0.0.1 (UDP) for the TurnClient and TurnManager
// tests: answers Allocate with a 401 challenge and then success (or a chosen error),
// Refresh, CreatePermission and ChannelBind with success, and echoes Send indications
// back as Data indications from the same peer. Counts what it saw.
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "test_loop_support.hpp"
#include "core/loop/loop.hpp"
#include "core/loop/udp.hpp"
#include "test_turn_fake_server.hpp"

namespace p2pd::traverse::turn::testing {

class LoopTurnServer {
 public:
  explicit LoopTurnServer(loop::Loop& loop) : udp_(loop) {
    REQUIRE(udp_.bind(net::Endpoint::parse("127.0.0.1:0").value()).ok());
    endpoint = udp_.local_endpoint().value();
    REQUIRE(udp_.recv_start([this](std::span<const std::uint8_t> d, const net::Endpoint& from) { on(d, from); }).ok());
  }

  net::Endpoint endpoint;
  std::optional<std::uint16_t> allocate_error;  // answer authenticated Allocates with this...
  int allocate_error_times = 1 << 30;           // ...this many times
  bool silent = false;                          // answer nothing
  int allocates = 0, refreshes = 0, deletes = 0, permissions = 0, binds = 0, sends = 0;
  std::vector<net::Endpoint> clients;           // the source of each authenticated Allocate

 private:
  void reply(const std::vector<std::uint8_t>& bytes, const net::Endpoint& to) { (void)udp_.try_send(to, bytes); }

  void on(std::span<const std::uint8_t> d, const net::Endpoint& from) {
    if (silent) return;
    auto m = stun::parse(d);
    if (!m) return;
    if (m->message_class == stun::MessageClass::indication) {
      if (m->method != tp::method::send) return;
      ++sends;
      auto peer = stun::get_xor_address(*m, tp::attr::xor_peer_address);
      auto data = tp::get_data(*m);
      if (!peer || !data) return;
      stun::Message back;
      back.message_class = stun::MessageClass::indication;
      back.method = tp::method::data;
      back.transaction_id = m->transaction_id;
      stun::add_xor_address(back, tp::attr::xor_peer_address, *peer);
      tp::add_data(back, *data);
      return reply(stun::serialize(back), from);
    }
    if (m->message_class != stun::MessageClass::request) return;
    const bool authed = m->has(stun::attr::message_integrity);
    if (!authed || !stun::verify_integrity(d, server_key()).ok()) return reply(error_answer(*m, 401, "nonce-1"), from);
    switch (m->method) {
      case tp::method::allocate:
        ++allocates;
        clients.push_back(from);
        if (allocate_error && allocate_error_times-- > 0)
          return reply(error_answer(*m, *allocate_error, nullptr, true), from);
        return reply(allocate_success(*m, 600, Address::v4({127, 0, 0, 1}, 50000)), from);
      case tp::method::refresh:
      {
        ++refreshes;
        auto asked = tp::get_lifetime(*m);
        const std::uint32_t lifetime = asked ? *asked : 600;
        if (lifetime == 0) ++deletes;
        return reply(ok_answer(*m, [&](stun::Message& r) { tp::add_lifetime(r, lifetime); }), from);
      }
      case tp::method::create_permission:
        ++permissions;
        return reply(ok_answer(*m), from);
      case tp::method::channel_bind:
        ++binds;
        return reply(ok_answer(*m), from);
      default:
        return reply(error_answer(*m, 400, nullptr, true), from);
    }
  }

  loop::Udp udp_;
};

// Runs the loop until `done()` holds or `ms` pass; false on timeout.
template <class F>
bool run_until(loop::Loop& loop, F done, std::uint64_t ms = 5000) {
  return p2pd::testing::run_loop_until(loop, std::move(done), ms, 10);
}

}  // namespace p2pd::traverse::turn::testing
