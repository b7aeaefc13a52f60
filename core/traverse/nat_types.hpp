#pragma once
// What the NAT classifier finds for one local address (interface and family): the RFC
// 3489 type, RFC 5780 mapping and filtering behaviour in RFC 4787 terms, and P2PD's
// port-delta type with its value (MISSION.md). JSON names are those in docs/API.md.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/net/endpoint.hpp"

namespace p2pd::traverse {

enum class NatType {
  open,                  // no NAT, unsolicited answers from other addresses arrive
  udp_firewall,          // no NAT, but only answers from where we sent get in
  blocked,               // UDP to the servers gets no answer while TCP does
  full_cone,             // EIM + endpoint-independent filtering
  restricted_cone,       // EIM + address-dependent filtering
  port_restricted_cone,  // EIM + address-and-port-dependent filtering
  symmetric,             // mapping depends on the destination
  unknown,               // no answer from any server (or not enough to tell)
};

enum class Behaviour { endpoint_independent, address_dependent, address_and_port_dependent, unknown };

enum class DeltaType { equal, preserving, independent, dependent, random, not_applicable, unknown };

std::string_view name(NatType t);
std::string_view name(Behaviour b);
std::string_view name(DeltaType d);

// The RFC 3489 type that mapping and filtering behaviour amount to, behind a NAT.
NatType nat_type_of(Behaviour mapping, Behaviour filtering);

struct NatResult {
  std::string interface;                 // "" for the wildcard
  net::Family family = net::Family::v4;
  std::optional<net::Endpoint> local;    // the probing socket's address
  NatType type = NatType::unknown;
  Behaviour mapping = Behaviour::unknown;
  Behaviour filtering = Behaviour::unknown;
  DeltaType delta = DeltaType::unknown;
  int delta_value = 0;
  std::optional<net::IpAddress> external;  // believed external address (servers agree)
  bool confirmed = false;                  // at least `needed` servers agreed on it
  bool nat = false;                        // the mapped address differs from the local one
  bool tcp_answered = false;               // a STUN server answered over TCP
  std::string server;                      // the RFC 5780 server the behaviour tests used
  std::string reason;                      // for people: why this result
  std::uint64_t started_ms = 0;            // loop time
  std::uint64_t finished_ms = 0;
  std::uint64_t requests = 0;              // STUN requests sent (retransmissions too)
};

}  // namespace p2pd::traverse
