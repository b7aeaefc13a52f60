#include "core/portmap/pcp_mapper.hpp"

#include <sodium.h>

#include "core/proto/pcp_message.hpp"

namespace p2pd::portmap {

namespace pcp = proto::pcp;

namespace {

pcp::Ip pcp_address(const net::IpAddress& ip) {
  pcp::Ip out{};
  if (ip.family == net::Family::v4) return pcp::ipv4_mapped({ip.bytes[0], ip.bytes[1], ip.bytes[2], ip.bytes[3]});
  std::copy(ip.bytes, ip.bytes + 16, out.begin());
  return out;
}

net::IpAddress ip_address(const pcp::Ip& ip) {
  net::IpAddress out;
  if (pcp::is_ipv4_mapped(ip)) {
    out.family = net::Family::v4;
    const auto v4 = pcp::ipv4_of(ip);
    std::copy(v4.begin(), v4.end(), out.bytes);
  } else {
    out.family = net::Family::v6;
    std::copy(ip.begin(), ip.end(), out.bytes);
  }
  return out;
}

std::uint8_t protocol_number(Protocol p) { return p == Protocol::udp ? pcp::kProtocolUdp : pcp::kProtocolTcp; }

// The "any address" of the gateway's family: ::ffff:0.0.0.0 asks for an IPv4 mapping.
pcp::Ip any_external(const Gateway& g) {
  return g.local.family == net::Family::v4 ? pcp::ipv4_mapped({0, 0, 0, 0}) : pcp::Ip{};
}

std::vector<std::uint8_t> map_request(const Gateway& g, const pcp::MapData& data, std::uint32_t lifetime) {
  pcp::Request r;
  r.opcode = pcp::Opcode::map;
  r.lifetime = lifetime;
  r.client_address = pcp_address(g.local);
  r.map = data;
  return pcp::serialize_request(r);
}

// Accepts a MAP answer for `data` (same nonce, protocol and internal port), and a
// version mismatch: a NAT-PMP-only gateway answers a PCP request in NAT-PMP.
UdpExchange::Match match_map(const pcp::MapData& data) {
  return [data](std::span<const std::uint8_t> d) {
    auto r = pcp::parse_response(d);
    if (!r) return r.error().code == "unsupported_version";
    return r->opcode == pcp::Opcode::map && r->map && r->map->nonce == data.nonce &&
           r->map->protocol == data.protocol && r->map->internal_port == data.internal_port;
  };
}

Error result_error(const Gateway& g, std::uint8_t result, std::uint32_t lifetime) {
  using RC = pcp::ResultCode;
  std::string code = "failed";
  switch (static_cast<RC>(result)) {
    case RC::unsupp_version:
    case RC::unsupp_opcode:
    case RC::unsupp_protocol: code = "unsupported"; break;
    case RC::not_authorized: code = "not_authorized"; break;
    case RC::no_resources:
    case RC::user_ex_quota: code = "no_resources"; break;
    case RC::cannot_provide_external: code = "port_taken"; break;
    default: break;
  }
  return Error{code, "PCP gateway " + g.to_string() + " answered " + pcp::result_name(result) +
                         (pcp::is_short_term_error(result) ? " (for " + std::to_string(lifetime) + " s)" : "")};
}

// What an accepted datagram says: the response, or why there is none.
Result<pcp::Response> read_answer(const Gateway& g, Result<std::vector<std::uint8_t>> bytes) {
  if (!bytes) return exchange_error(bytes.error(), "PCP");
  auto r = pcp::parse_response(*bytes);
  if (!r) return Error{"unsupported", "PCP gateway " + g.to_string() + " does not speak PCP version 2 (it answered in another version)"};
  if (r->result != 0) return result_error(g, r->result, r->lifetime);
  return r;
}

}  // namespace

void PcpMapper::map(const MapRequest& request, Done done) {
  pcp::MapData data;
  if (request.nonce) {
    data.nonce = *request.nonce;
  } else {
    randombytes_buf(data.nonce.data(), data.nonce.size());
  }
  data.protocol = protocol_number(request.protocol);
  data.internal_port = request.internal_port;
  data.external_port = request.external_port;
  data.external_address = any_external(gateway_);
  const Protocol protocol = request.protocol;
  exchanges_.start(gateway_.local, gateway_.server, map_request(gateway_, data, request.lifetime_s), schedule_,
                   match_map(data), [this, data, protocol, done = std::move(done)](auto bytes) {
                     auto r = read_answer(gateway_, std::move(bytes));
                     if (!r) return done(r.error());
                     if (r->lifetime == 0)
                       return done(Error{"failed", "PCP gateway " + gateway_.to_string() + " granted a lifetime of 0"});
                     Mapping m;
                     m.protocol = protocol;
                     m.internal_port = data.internal_port;
                     m.external = net::Endpoint{ip_address(r->map->external_address), r->map->external_port};
                     m.lifetime_s = r->lifetime;
                     m.method = Method::pcp;
                     m.epoch = r->epoch;
                     m.nonce = data.nonce;
                     done(std::move(m));
                   });
}

void PcpMapper::unmap(const Mapping& mapping, StatusDone done) {
  pcp::MapData data;
  data.nonce = mapping.nonce;
  data.protocol = protocol_number(mapping.protocol);
  data.internal_port = mapping.internal_port;
  data.external_port = mapping.external.port;
  data.external_address = pcp_address(mapping.external.address);
  exchanges_.start(gateway_.local, gateway_.server, map_request(gateway_, data, 0), schedule_, match_map(data),
                   [this, done = std::move(done)](auto bytes) {
                     auto r = read_answer(gateway_, std::move(bytes));
                     if (!r) return done(r.error());
                     done(Status{});
                   });
}

}  // namespace p2pd::portmap
