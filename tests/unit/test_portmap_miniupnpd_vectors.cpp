// PCP and NAT-PMP answers captured from miniupnpd 2.3.1 (Debian 12, miniupnpd-nftables)
// on a NAT lab site router (LAN 192.168.1.1, public 203.0.113.11, `allow 1024-65535`),
// asked by 192.168.1.11 with the requests shown. Our codec must read what a real server
// sends, and build the same request bytes.
#include <catch2/catch.hpp>

#include "core/proto/natpmp_message.hpp"
#include "core/proto/pcp_message.hpp"
#include "test_stun_util.hpp"

using p2pd::proto::stun::testing::hex;
namespace pcp = p2pd::proto::pcp;
namespace natpmp = p2pd::proto::natpmp;

namespace {

// MAP UDP 40000 -> 40000, lifetime 120, nonce 01..0c, suggested ::ffff:0.0.0.0.
const auto kPcpMapUdp = hex(
    "020100000000007800000000000000000000ffffc0a8010b0102030405060708090a0b0c110000009c409c40"
    "00000000000000000000ffff00000000");
const auto kPcpMapUdpAnswer = hex(
    "02810000000000780000bc4f0000000000000000000000000102030405060708090a0b0c110000009c409c40"
    "00000000000000000000ffffcb00710b");
// The same with lifetime 0 (delete) and miniupnpd's answer.
const auto kPcpDeleteUdpAnswer = hex(
    "02810000000000000000bc4f0000000000000000000000000102030405060708090a0b0c110000009c409c40"
    "00000000000000000000ffffcb00710b");
// A version-1 request: miniupnpd answers in version 1 with UNSUPP_OPTION (5), 60 bytes.
const auto kPcpV1Answer = hex(
    "01810005000000000000bc52000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000");

}  // namespace

TEST_CASE("miniupnpd PCP: MAP request bytes and the answer", "[pcp][miniupnpd]") {
  pcp::Request q;
  q.opcode = pcp::Opcode::map;
  q.lifetime = 120;
  q.client_address = pcp::ipv4_mapped({192, 168, 1, 11});
  q.map = pcp::MapData{{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, pcp::kProtocolUdp, 40000, 40000,
                       pcp::ipv4_mapped({0, 0, 0, 0})};
  CHECK(pcp::serialize_request(q) == kPcpMapUdp);

  auto a = pcp::parse_response(kPcpMapUdpAnswer);
  REQUIRE(a.ok());
  CHECK(a->result == 0);
  CHECK(a->lifetime == 120);
  CHECK(a->epoch == 0xbc4f);
  REQUIRE(a->map);
  CHECK(a->map->nonce == q.map->nonce);
  CHECK(a->map->protocol == pcp::kProtocolUdp);
  CHECK(a->map->internal_port == 40000);
  CHECK(a->map->external_port == 40000);
  CHECK(pcp::ipv4_of(a->map->external_address) == pcp::Ipv4{203, 0, 113, 11});
  CHECK(pcp::serialize_response(*a) == kPcpMapUdpAnswer);

  auto deleted = pcp::parse_response(kPcpDeleteUdpAnswer);
  REQUIRE(deleted.ok());
  CHECK(deleted->result == 0);
  CHECK(deleted->lifetime == 0);

  CHECK(pcp::parse_response(kPcpV1Answer).error().code == "unsupported_version");
}

TEST_CASE("miniupnpd NAT-PMP: external address, map and delete", "[natpmp][miniupnpd]") {
  auto address = natpmp::parse_response(hex("008000000000bc4fcb00710b"));
  REQUIRE(address.ok());
  CHECK(address->opcode == natpmp::Opcode::external_address);
  CHECK(address->epoch == 0xbc4f);
  CHECK(address->external_address == std::array<std::uint8_t, 4>{203, 0, 113, 11});

  CHECK(natpmp::serialize_request(natpmp::Request{natpmp::Opcode::map_udp, 40002, 40002, 120}) ==
        hex("000100009c429c4200000078"));
  auto udp = natpmp::parse_response(hex("008100000000bc509c429c4200000078"));
  REQUIRE(udp.ok());
  CHECK(udp->opcode == natpmp::Opcode::map_udp);
  CHECK(udp->internal_port == 40002);
  CHECK(udp->external_port == 40002);
  CHECK(udp->lifetime == 120);
  auto tcp = natpmp::parse_response(hex("008200000000bc509c429c4200000078"));
  REQUIRE(tcp.ok());
  CHECK(tcp->opcode == natpmp::Opcode::map_tcp);

  CHECK(natpmp::serialize_request(natpmp::Request{natpmp::Opcode::map_udp, 40002, 0, 0}) ==
        hex("000100009c42000000000000"));
  auto gone = natpmp::parse_response(hex("008100000000bc509c42000000000000"));
  REQUIRE(gone.ok());
  CHECK(gone->result == 0);
  CHECK(gone->lifetime == 0);
  CHECK(gone->external_port == 0);
}
