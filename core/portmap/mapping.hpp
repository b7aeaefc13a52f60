#pragma once
// What a port mapping protocol (PCP, NAT-PMP, UPnP IGD) is asked for and what it grants:
// the values every mapper and the PortMapper service share.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/net/endpoint.hpp"
#include "core/result.hpp"

namespace p2pd::portmap {

enum class Protocol { udp, tcp };
enum class Method { pcp, natpmp, upnp };

using Nonce = std::array<std::uint8_t, 12>;  // PCP's mapping nonce (RFC 6887 §11.1)

// "let traffic to an external port reach internal_port on this host".
struct MapRequest {
  Protocol protocol = Protocol::udp;
  std::uint16_t internal_port = 0;
  std::uint16_t external_port = 0;  // a suggestion; 0: any
  std::uint32_t lifetime_s = 3600;  // 0 is not a request: use unmap()
  // PCP: renewing or deleting a mapping repeats the nonce it was made with; a new
  // mapping gets a random one.
  std::optional<Nonce> nonce;
};

struct Mapping {
  Protocol protocol = Protocol::udp;
  std::uint16_t internal_port = 0;
  net::Endpoint external;           // the gateway's external address and the port granted
  std::uint32_t lifetime_s = 0;     // granted
  Method method = Method::pcp;
  std::uint32_t epoch = 0;          // PCP / NAT-PMP server epoch (seconds) when granted
  Nonce nonce{};                    // PCP only
  friend bool operator==(const Mapping&, const Mapping&) = default;
};

std::string_view protocol_name(Protocol protocol);  // "udp", "tcp"
std::string_view method_name(Method method);        // "pcp", "natpmp", "upnp"
Result<Protocol> parse_protocol(std::string_view text);
Result<Method> parse_method(std::string_view text);

// The error codes mappers give (Error.code):
//   "timeout"        no answer within the schedule (no such server on the gateway)
//   "refused"        the gateway answered ICMP port unreachable (no such server on it)
//   "unreachable"    ICMP host or network unreachable for the gateway
//   "unsupported"    the gateway speaks another protocol or version, or not this opcode
//   "not_authorized" the gateway refuses to map (mapping switched off, policy)
//   "no_resources"   the gateway is out of ports or mappings (short term: retry later)
//   "port_taken"     the external port asked for belongs to another mapping
//   "failed"         any other refusal; the message names the result code
//   "io_error"       our socket could not be opened or the send failed
//   "closed"         the mapper was closed before the answer came

}  // namespace p2pd::portmap
