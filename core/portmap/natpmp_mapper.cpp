#include "core/portmap/natpmp_mapper.hpp"

#include "core/proto/natpmp_message.hpp"

namespace p2pd::portmap {

namespace natpmp = proto::natpmp;

namespace {

natpmp::Opcode map_opcode(Protocol p) { return p == Protocol::udp ? natpmp::Opcode::map_udp : natpmp::Opcode::map_tcp; }

// Accepts the answer to `request` (same opcode; a mapping's internal port), and a
// version mismatch: a PCP-only gateway answers a NAT-PMP request in PCP.
UdpExchange::Match match(const natpmp::Request& request) {
  return [request](std::span<const std::uint8_t> d) {
    auto r = natpmp::parse_response(d);
    if (!r) return r.error().code == "unsupported_version";
    if (r->opcode != request.opcode) return false;
    return request.opcode == natpmp::Opcode::external_address || r->result != 0 ||
           r->internal_port == request.internal_port;
  };
}

Error result_error(const Gateway& g, std::uint16_t result) {
  using RC = natpmp::ResultCode;
  std::string code = "failed";
  switch (static_cast<RC>(result)) {
    case RC::unsupported_version:
    case RC::unsupported_opcode: code = "unsupported"; break;
    case RC::not_authorized: code = "not_authorized"; break;
    case RC::out_of_resources: code = "no_resources"; break;
    default: break;
  }
  return Error{code, "NAT-PMP gateway " + g.to_string() + " answered " + natpmp::result_name(result)};
}

Result<natpmp::Response> read_answer(const Gateway& g, Result<std::vector<std::uint8_t>> bytes) {
  if (!bytes) return exchange_error(bytes.error(), "NAT-PMP");
  auto r = natpmp::parse_response(*bytes);
  if (!r)
    return Error{"unsupported", "NAT-PMP gateway " + g.to_string() + " does not speak NAT-PMP (it answered in another version)"};
  if (r->result != 0) return result_error(g, r->result);
  return r;
}

}  // namespace

void NatPmpMapper::map(const MapRequest& request, Done done) {
  natpmp::Request ask;
  ask.opcode = natpmp::Opcode::external_address;
  exchanges_.start(gateway_.local, gateway_.server, natpmp::serialize_request(ask), schedule_, match(ask),
                   [this, request, done = std::move(done)](auto bytes) {
                     auto r = read_answer(gateway_, std::move(bytes));
                     if (!r) return done(r.error());
                     net::IpAddress external;
                     external.family = net::Family::v4;
                     std::copy(r->external_address.begin(), r->external_address.end(), external.bytes);
                     request_mapping(request, external, std::move(done));
                   });
}

void NatPmpMapper::request_mapping(const MapRequest& request, net::IpAddress external, Done done) {
  natpmp::Request ask;
  ask.opcode = map_opcode(request.protocol);
  ask.internal_port = request.internal_port;
  ask.external_port = request.external_port;
  ask.lifetime = request.lifetime_s;
  exchanges_.start(gateway_.local, gateway_.server, natpmp::serialize_request(ask), schedule_, match(ask),
                   [this, request, external, done = std::move(done)](auto bytes) {
                     auto r = read_answer(gateway_, std::move(bytes));
                     if (!r) return done(r.error());
                     if (r->lifetime == 0 || r->external_port == 0)
                       return done(Error{"failed", "NAT-PMP gateway " + gateway_.to_string() +
                                                       " granted no port (lifetime 0 or port 0)"});
                     Mapping m;
                     m.protocol = request.protocol;
                     m.internal_port = request.internal_port;
                     m.external = net::Endpoint{external, r->external_port};
                     m.lifetime_s = r->lifetime;
                     m.method = Method::natpmp;
                     m.epoch = r->epoch;
                     done(std::move(m));
                   });
}

void NatPmpMapper::unmap(const Mapping& mapping, StatusDone done) {
  natpmp::Request ask;
  ask.opcode = map_opcode(mapping.protocol);
  ask.internal_port = mapping.internal_port;
  ask.external_port = 0;  // RFC 6886 §3.4: zero when deleting
  ask.lifetime = 0;
  exchanges_.start(gateway_.local, gateway_.server, natpmp::serialize_request(ask), schedule_, match(ask),
                   [this, done = std::move(done)](auto bytes) {
                     auto r = read_answer(gateway_, std::move(bytes));
                     if (!r) return done(r.error());
                     done(Status{});
                   });
}

}  // namespace p2pd::portmap
