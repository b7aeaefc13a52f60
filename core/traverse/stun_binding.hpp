#pragma once
// One STUN Binding exchange as pure functions (RFC 8489 §6-7, RFC 5780 §7, RFC 3489):
// the request to send, which sources may answer it, and what a response says. The
// sockets that carry them are in stun_socket.hpp and stun_tcp.hpp.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/net/endpoint.hpp"
#include "core/proto/stun_attributes.hpp"
#include "core/proto/stun_message.hpp"
#include "core/result.hpp"

namespace p2pd::traverse {

// What one Binding request asks of a server.
struct BindingProbe {
  net::Endpoint server;                  // where the request goes
  proto::stun::ChangeRequest change;     // answer from another IP and/or port (RFC 5780)
  // The only source accepted for the answer (a server's OTHER-ADDRESS, once known). By
  // default: the server itself without a change, and with one an address that differs
  // from the server's in exactly what was asked to change.
  std::optional<net::Endpoint> expect_from;
};

// A validated Binding success response.
struct BindingAnswer {
  net::Endpoint server;                          // where the request went
  net::Endpoint from;                            // where the answer came from
  net::Endpoint local;                           // our socket's address
  net::Endpoint mapped;                          // XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS
  std::optional<net::Endpoint> response_origin;  // RESPONSE-ORIGIN, else SOURCE-ADDRESS
  std::optional<net::Endpoint> other_address;    // OTHER-ADDRESS, else CHANGED-ADDRESS
  std::string software;
  bool xor_mapped = false;   // false: only MAPPED-ADDRESS (an RFC 3489 server)
  std::uint64_t rtt_ms = 0;  // from the first send to the answer
  int sends = 0;             // requests sent for this answer (1 + retransmissions)
};

// A Binding request with transaction id `id`: CHANGE-REQUEST when a change is asked,
// SOFTWARE when given, FINGERPRINT always (servers check it when present).
std::vector<std::uint8_t> binding_request(const proto::stun::TransactionId& id,
                                          const proto::stun::ChangeRequest& change, std::string_view software = {});

// Whether a datagram from `from` may answer `probe` (see BindingProbe::expect_from).
bool acceptable_source(const BindingProbe& probe, const net::Endpoint& from);

// Reads a parsed response to a Binding request: an error response becomes Error
// "stun_error" ("420 Unknown Attribute"), anything but a Binding success "malformed", a
// success without a mapped address or with one of another family than `local`
// "malformed". Fills everything of BindingAnswer but rtt_ms and sends.
Result<BindingAnswer> read_binding_response(const proto::stun::Message& message, const BindingProbe& probe,
                                            const net::Endpoint& from, const net::Endpoint& local);

}  // namespace p2pd::traverse
