#pragma once
// A scripted PCP / NAT-PMP gateway on 127.0.0.1 for the mapper tests, speaking through
// the project's codecs: MAP and NAT-PMP requests are granted from a table of mappings
// (external address 203.0.113.7, the internal port + 10000 unless asked otherwise),
// lifetime 0 deletes. A protocol switched off answers the other's way, as RFC 6887 §9
// says (a NAT-PMP-only box answers PCP with NAT-PMP's UNSUPPORTED_VERSION and the other
// way round). Misbehaviours: silence, dropping the first requests, a fixed result code,
// a stray datagram from another port before the answer.
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/udp.hpp"
#include "core/proto/natpmp_message.hpp"
#include "core/proto/pcp_message.hpp"
#include "test_loop_support.hpp"

namespace p2pd::portmap::testing {

namespace pcp = proto::pcp;
namespace natpmp = proto::natpmp;

class FakeGateway {
 public:
  explicit FakeGateway(loop::Loop& loop) : udp_(loop), other_(loop) {
    REQUIRE(udp_.bind(net::Endpoint::parse("127.0.0.1:0").value()).ok());
    REQUIRE(other_.bind(net::Endpoint::parse("127.0.0.1:0").value()).ok());
    REQUIRE(udp_.recv_start([this](std::span<const std::uint8_t> d, const net::Endpoint& from) { on(d, from); }).ok());
  }

  net::Endpoint endpoint() const { return udp_.local_endpoint().value(); }

  // Script.
  bool speaks_pcp = true;
  bool speaks_natpmp = true;
  bool silent = false;
  int drop_first = 0;
  std::optional<std::uint8_t> pcp_result;      // answer every MAP with this result
  std::optional<std::uint16_t> natpmp_result;  // answer every NAT-PMP request with this
  bool stray_first = false;                    // a copy of the answer from another port first
  std::uint32_t max_lifetime = 7200;
  std::uint32_t epoch = 1000;
  std::uint16_t force_port = 0;                // grant this external port (0: internal + 10000)

  // Seen.
  int requests = 0;
  std::vector<pcp::Request> pcp_requests;
  std::vector<natpmp::Request> natpmp_requests;
  std::vector<net::Endpoint> sources;
  // (protocol number, internal port) -> external port
  std::map<std::pair<std::uint8_t, std::uint16_t>, std::uint16_t> table;

  static constexpr std::uint8_t kExternal[4] = {203, 0, 113, 7};

 private:
  std::uint16_t grant(std::uint8_t protocol, std::uint16_t internal, std::uint32_t lifetime) {
    const auto key = std::make_pair(protocol, internal);
    if (lifetime == 0) {
      table.erase(key);
      return 0;
    }
    const std::uint16_t port = force_port ? force_port : static_cast<std::uint16_t>(internal + 10000);
    table[key] = port;
    return port;
  }

  void reply(const net::Endpoint& to, std::vector<std::uint8_t> bytes) {
    if (stray_first) {
      stray_first = false;
      (void)other_.try_send(to, bytes);
    }
    (void)udp_.try_send(to, bytes);
  }

  void on(std::span<const std::uint8_t> d, const net::Endpoint& from) {
    if (d.empty()) return;
    ++requests;
    sources.push_back(from);
    if (silent || drop_first-- > 0) return;
    if (d[0] == pcp::kVersion) return on_pcp(d, from);
    if (d[0] == natpmp::kVersion) return on_natpmp(d, from);
  }

  void on_pcp(std::span<const std::uint8_t> d, const net::Endpoint& from) {
    if (!speaks_pcp) {
      // RFC 6887 §9: a NAT-PMP server answers with its own UNSUPPORTED_VERSION.
      natpmp::Response r;
      r.opcode = natpmp::Opcode::external_address;
      r.result = static_cast<std::uint16_t>(natpmp::ResultCode::unsupported_version);
      r.epoch = epoch;
      return reply(from, natpmp::serialize_response(r));
    }
    auto req = pcp::parse_request(d);
    REQUIRE(req);
    pcp_requests.push_back(*req);
    pcp::Response r;
    r.opcode = req->opcode;
    r.epoch = epoch;
    r.map = req->map;
    if (pcp_result) {
      r.result = *pcp_result;
      r.lifetime = 30;
    } else {
      r.lifetime = std::min(req->lifetime, max_lifetime);
      r.map->external_port = grant(req->map->protocol, req->map->internal_port, r.lifetime);
      r.map->external_address = pcp::ipv4_mapped({kExternal[0], kExternal[1], kExternal[2], kExternal[3]});
    }
    reply(from, pcp::serialize_response(r));
  }

  void on_natpmp(std::span<const std::uint8_t> d, const net::Endpoint& from) {
    if (!speaks_natpmp) {
      pcp::Response r;  // a PCP-only server: version 2, UNSUPP_VERSION
      r.opcode = pcp::Opcode::announce;
      r.result = static_cast<std::uint8_t>(pcp::ResultCode::unsupp_version);
      r.epoch = epoch;
      return reply(from, pcp::serialize_response(r));
    }
    auto req = natpmp::parse_request(d);
    REQUIRE(req);
    natpmp_requests.push_back(*req);
    natpmp::Response r;
    r.opcode = req->opcode;
    r.epoch = epoch;
    if (natpmp_result) {
      r.result = *natpmp_result;
    } else if (req->opcode == natpmp::Opcode::external_address) {
      std::copy(std::begin(kExternal), std::end(kExternal), r.external_address.begin());
    } else {
      const std::uint8_t protocol = req->opcode == natpmp::Opcode::map_udp ? 17 : 6;
      r.internal_port = req->internal_port;
      r.lifetime = std::min(req->lifetime, max_lifetime);
      r.external_port = grant(protocol, req->internal_port, r.lifetime);
    }
    reply(from, natpmp::serialize_response(r));
  }

  loop::Udp udp_;
  loop::Udp other_;
};

}  // namespace p2pd::portmap::testing
