#include "core/traverse/stun_binding.hpp"

#include "core/proto/stun_address.hpp"
#include "core/traverse/turn_address.hpp"

namespace p2pd::traverse {

namespace stun = proto::stun;

namespace {

bool same_ip(const net::IpAddress& a, const net::IpAddress& b) {
  if (a.family != b.family) return false;
  const std::size_t n = a.family == net::Family::v4 ? 4 : 16;
  for (std::size_t i = 0; i < n; ++i)
    if (a.bytes[i] != b.bytes[i]) return false;
  return true;
}

std::optional<net::Endpoint> first_address(const stun::Message& m, std::uint16_t a, std::uint16_t b) {
  for (std::uint16_t type : {a, b})
    if (auto addr = stun::get_address(m, type); addr.ok()) return turn::to_endpoint(*addr);
  return std::nullopt;
}

}  // namespace

std::vector<std::uint8_t> binding_request(const stun::TransactionId& id, const stun::ChangeRequest& change,
                                          std::string_view software) {
  stun::Message m;
  m.message_class = stun::MessageClass::request;
  m.method = stun::method::binding;
  m.transaction_id = id;
  if (change.change_ip || change.change_port) stun::add_change_request(m, change);
  if (!software.empty()) stun::add_text(m, stun::attr::software, software);
  stun::SerializeOptions options;
  options.fingerprint = true;
  return stun::serialize(m, options);
}

bool acceptable_source(const BindingProbe& probe, const net::Endpoint& from) {
  if (probe.expect_from) return same_ip(from.address, probe.expect_from->address) && from.port == probe.expect_from->port;
  const bool ip_same = same_ip(from.address, probe.server.address);
  const bool port_same = from.port == probe.server.port;
  return ip_same == !probe.change.change_ip && port_same == !probe.change.change_port;
}

Result<BindingAnswer> read_binding_response(const stun::Message& m, const BindingProbe& probe,
                                            const net::Endpoint& from, const net::Endpoint& local) {
  if (m.method != stun::method::binding) return Error{"malformed", "not a Binding response"};
  if (m.message_class == stun::MessageClass::error_response) {
    auto ec = stun::get_error_code(m);
    if (!ec) return Error{"stun_error", "error response without a valid ERROR-CODE"};
    return Error{"stun_error", std::to_string(ec->code) + " " + ec->reason};
  }
  if (m.message_class != stun::MessageClass::success_response) return Error{"malformed", "not a response"};
  auto mapped = stun::get_mapped_address(m);
  if (!mapped) return Error{"malformed", "Binding response without a mapped address: " + mapped.error().message};
  BindingAnswer a;
  a.server = probe.server;
  a.from = from;
  a.local = local;
  a.mapped = turn::to_endpoint(*mapped);
  if (a.mapped.address.family != local.address.family)
    return Error{"malformed", "mapped address " + a.mapped.to_string() + " is not of the socket's family"};
  a.xor_mapped = m.has(stun::attr::xor_mapped_address);
  a.response_origin = first_address(m, stun::attr::response_origin, stun::attr::source_address);
  a.other_address = first_address(m, stun::attr::other_address, stun::attr::changed_address);
  if (auto sw = stun::get_software(m); sw.ok()) a.software = *sw;
  return a;
}

}  // namespace p2pd::traverse
