#pragma once
// The MTU of the route the kernel would use to reach a remote address (a connected UDP
// probe socket + IP_MTU / IPV6_MTU). No packet is sent and nothing blocks: connect() on a
// UDP socket only looks the route up. Routes to this host's own addresses (127.0.0.0/8,
// ::1 and the addresses of its interfaces) go through the loopback device, whose MTU is
// 65536 (IP_MTU reports 65535 for IPv4, the largest IPv4 packet): that is how a peer path
// learns it may use datagrams far above the Internet's.
#include "core/net/endpoint.hpp"
#include "core/result.hpp"

namespace p2pd::net {

// A route MTU at least this large is the loopback device's (65536 on Linux; 65535 as
// IPv4 reports it). Real NICs stop at ~9000 (jumbo frames).
constexpr int kLoopbackRouteMtu = 65535;

// Errors: "unreachable" (no route), "io_error".
Result<int> route_mtu(const Endpoint& remote);

// Largest UDP payload an IP packet of `mtu` bytes carries for this family
// (IPv4: 20-byte header, at most 65507; IPv6: 40-byte header, at most 65527).
std::size_t udp_payload_for_mtu(Family family, int mtu);

}  // namespace p2pd::net
