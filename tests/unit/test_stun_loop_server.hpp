#pragma once
// A scripted RFC 5780 STUN server on loopback for the STUN client tests: UDP sockets on
// two addresses (127.0.0.1 and 127.0.0.2) times two ports, so CHANGE-REQUEST can be
// honoured, and a TCP listener on the primary address. Answers Binding requests with
// XOR-MAPPED-ADDRESS, RESPONSE-ORIGIN and OTHER-ADDRESS (or, `classic`, with RFC 3489's
// MAPPED-ADDRESS, SOURCE-ADDRESS and CHANGED-ADDRESS). Misbehaviours on request: silence,
// dropping the first requests, answering from the wrong address, a wrong transaction id
// or a broken FINGERPRINT first, an error code, a made-up mapped address.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "test_loop_support.hpp"
#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/loop/udp.hpp"
#include "core/proto/stun_address.hpp"
#include "core/proto/stun_attributes.hpp"
#include "core/proto/stun_demux.hpp"
#include "core/proto/stun_message.hpp"
#include "core/traverse/turn_address.hpp"

namespace p2pd::traverse::testing {

namespace stun = proto::stun;

class LoopStunServer {
 public:
  explicit LoopStunServer(loop::Loop& loop) : loop_(loop) {
    for (int attempt = 0; attempt < 20 && !bound(); ++attempt) try_bind();
    REQUIRE(bound());
    for (int i = 0; i < 4; ++i) {
      REQUIRE(udp_[i]
                  .recv_start([this, i](std::span<const std::uint8_t> d, const net::Endpoint& from) { on_udp(i, d, from); })
                  .ok());
    }
  }

  // Socket i: 0 = (ip1, port1), 1 = (ip1, port2), 2 = (ip2, port1), 3 = (ip2, port2).
  net::Endpoint at(int i) const { return eps_[i]; }
  net::Endpoint primary() const { return eps_[0]; }
  net::Endpoint other() const { return eps_[3]; }

  // Script.
  bool silent = false;
  bool tcp_silent = false;
  bool classic = false;                          // RFC 3489 attributes only
  bool no_other_address = false;                 // a server without RFC 5780
  int drop_first = 0;                            // ignore this many requests
  bool wrong_source_first = false;               // first answer comes from another socket
  bool wrong_id_first = false;                   // first answer has a foreign transaction id
  bool bad_fingerprint_first = false;            // first answer's FINGERPRINT is broken
  std::optional<std::uint16_t> error_code;       // answer every request with this error
  std::optional<net::Endpoint> lie;              // report this as the mapped address
  int requests = 0;                              // UDP requests seen (retransmissions too)
  int tcp_requests = 0;
  std::vector<stun::ChangeRequest> changes;      // per UDP request

 private:
  static stun::SerializeOptions with_fingerprint(bool on) {
    stun::SerializeOptions o;
    o.fingerprint = on;
    return o;
  }

  bool bound() const { return udp_[0].is_open(); }

  void on_accept(Status st) {
    if (!st) return;
    auto c = tcp_.accept();
    if (!c) return;
    auto conn = std::make_unique<loop::Tcp>(std::move(*c));
    auto* raw = conn.get();
    auto buffer = std::make_shared<std::vector<std::uint8_t>>();
    conns_.push_back(std::move(conn));
    (void)raw->read_start([this, raw, buffer](std::span<const std::uint8_t> bytes) { on_tcp(*raw, *buffer, bytes); },
                          [](Status) {});
  }

  void try_bind() {
    std::array<loop::Udp, 4> u;
    for (auto& s : u) s = loop::Udp(loop_);
    if (!u[0].bind(net::Endpoint::parse("127.0.0.1:0").value()).ok()) return;
    const auto p1 = u[0].local_endpoint().value().port;
    if (!u[1].bind(net::Endpoint::parse("127.0.0.1:0").value()).ok()) return;
    const auto p2 = u[1].local_endpoint().value().port;
    net::Endpoint e2 = net::Endpoint::parse("127.0.0.2:0").value();
    e2.port = p1;
    if (!u[2].bind(e2).ok()) return;
    e2.port = p2;
    if (!u[3].bind(e2).ok()) return;
    // TCP on the primary's port too: another process may hold that TCP port, so it is
    // part of the attempt (a failure here tries other ports).
    loop::Tcp tcp(loop_);
    if (!tcp.bind(u[0].local_endpoint().value()).ok()) return;
    if (!tcp.listen(8, [this](Status st) { on_accept(st); }).ok()) return;
    tcp_ = std::move(tcp);
    for (int i = 0; i < 4; ++i) {
      eps_[i] = u[i].local_endpoint().value();
      udp_[i] = std::move(u[i]);
    }
  }

  std::vector<std::uint8_t> answer(const stun::Message& req, const net::Endpoint& from, int socket, bool broken_fp) {
    stun::Message r;
    r.method = stun::method::binding;
    r.transaction_id = req.transaction_id;
    if (error_code) {
      r.message_class = stun::MessageClass::error_response;
      stun::add_error_code(r, {*error_code, "scripted"});
      return stun::serialize(r, with_fingerprint(true));
    }
    r.message_class = stun::MessageClass::success_response;
    const auto mapped = turn::to_address(lie.value_or(from));
    if (classic) {
      stun::add_address(r, stun::attr::mapped_address, mapped);
      stun::add_address(r, stun::attr::source_address, turn::to_address(eps_[socket]));
      if (!no_other_address) stun::add_address(r, stun::attr::changed_address, turn::to_address(other()));
    } else {
      stun::add_xor_address(r, stun::attr::xor_mapped_address, mapped);
      stun::add_address(r, stun::attr::response_origin, turn::to_address(eps_[socket]));
      if (!no_other_address) stun::add_address(r, stun::attr::other_address, turn::to_address(other()));
    }
    stun::add_text(r, stun::attr::software, "loop-stun");
    auto bytes = stun::serialize(r, with_fingerprint(!classic));
    if (broken_fp) bytes.back() ^= 0xFF;
    return bytes;
  }

  void on_udp(int socket, std::span<const std::uint8_t> d, const net::Endpoint& from) {
    auto m = stun::parse(d);
    if (!m || m->message_class != stun::MessageClass::request) return;
    ++requests;
    stun::ChangeRequest change;
    if (auto c = stun::get_change_request(*m); c.ok()) change = *c;
    changes.push_back(change);
    if (silent || drop_first-- > 0) return;
    int out = socket;
    if (change.change_ip) out ^= 2;
    if (change.change_port) out ^= 1;
    if (wrong_id_first) {
      wrong_id_first = false;
      stun::Message other_id = *m;
      other_id.transaction_id[0] ^= 0x55;
      (void)udp_[out].try_send(from, answer(other_id, from, out, false));
    }
    if (bad_fingerprint_first) {
      bad_fingerprint_first = false;
      (void)udp_[out].try_send(from, answer(*m, from, out, true));
    }
    if (wrong_source_first) {
      wrong_source_first = false;
      (void)udp_[out ^ 3].try_send(from, answer(*m, from, out ^ 3, false));
    }
    (void)udp_[out].try_send(from, answer(*m, from, out, false));
  }

  void on_tcp(loop::Tcp& conn, std::vector<std::uint8_t>& buffer, std::span<const std::uint8_t> bytes) {
    buffer.insert(buffer.end(), bytes.begin(), bytes.end());
    for (;;) {
      auto size = stun::stun_frame_size(buffer);
      if (!size || buffer.size() < *size) return;
      std::vector<std::uint8_t> frame(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*size));
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*size));
      auto m = stun::parse(frame);
      if (!m) continue;
      ++tcp_requests;
      if (tcp_silent) continue;
      auto peer = conn.remote_endpoint();
      if (!peer) continue;
      conn.write(answer(*m, *peer, 0, false));
    }
  }

  loop::Loop& loop_;
  std::array<loop::Udp, 4> udp_;
  std::array<net::Endpoint, 4> eps_;
  loop::Tcp tcp_;
  std::vector<std::unique_ptr<loop::Tcp>> conns_;
};

// Runs the loop until `done()` holds or `ms` pass; false on timeout.
template <class F>
bool run_stun_until(loop::Loop& loop, F done, std::uint64_t ms = 5000) {
  return p2pd::testing::run_loop_until(loop, std::move(done), ms, 10);
}

}  // namespace p2pd::traverse::testing
