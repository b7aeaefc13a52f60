#pragma once
// Whether STUN servers agree on our external address before it is believed (pure).
// Each server reports a mapped endpoint; the address reported by the most servers is
// believed when at least `needed` of them report it and no other address is reported as
// often. Ports are compared only among the agreeing servers: the same port everywhere
// means the NAT kept one mapping for all of them (a hint; the NAT classifier decides).
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/net/endpoint.hpp"

namespace p2pd::traverse {

struct ServerReport {
  std::string server;     // for people: "stun.example.org:3478"
  net::Endpoint mapped;
};

struct Agreement {
  std::optional<net::IpAddress> external;  // set only when believed
  std::size_t answered = 0;                // reports considered
  std::size_t agreeing = 0;                // reports of the most common address
  std::size_t needed = 0;
  bool same_port = false;                  // all agreeing reports have one port
  std::optional<std::uint16_t> port;       // that port, when same_port and believed
  std::vector<std::string> dissent;        // servers that reported another address
  bool believed() const { return external.has_value(); }
};

// `needed` is clamped to at least 1.
Agreement agree(std::span<const ServerReport> reports, std::size_t needed);

}  // namespace p2pd::traverse
