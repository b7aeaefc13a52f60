#include "core/proto/natpmp_message.hpp"

#include <algorithm>

#include "core/proto/byte_reader.hpp"
#include "core/proto/byte_writer.hpp"

namespace p2pd::proto::natpmp {
namespace {

bool known(std::uint8_t opcode) { return opcode <= static_cast<std::uint8_t>(Opcode::map_tcp); }

std::size_t response_size(Opcode opcode) {
  return opcode == Opcode::external_address ? kAddressResponseSize : kMapResponseSize;
}

}  // namespace

Result<Request> parse_request(std::span<const std::uint8_t> message) {
  if (message.size() < kAddressRequestSize) return make_error("malformed", "NAT-PMP request shorter than 2 bytes");
  if (message[0] != kVersion) return make_error("unsupported_version", "NAT-PMP version is not 0");
  if (message[1] >= kResponseOffset) return make_error("malformed", "NAT-PMP response where a request was expected");
  if (!known(message[1])) return make_error("malformed", "NAT-PMP opcode " + std::to_string(message[1]) + " unknown");
  Request q;
  q.opcode = static_cast<Opcode>(message[1]);
  const std::size_t size = q.opcode == Opcode::external_address ? kAddressRequestSize : kMapRequestSize;
  if (message.size() != size) return make_error("malformed", "NAT-PMP request of the wrong size");
  if (q.opcode == Opcode::external_address) return q;
  ByteReader r(message.subspan(4));
  r.read_u16(q.internal_port);
  r.read_u16(q.external_port);
  r.read_u32(q.lifetime);
  return q;
}

Result<Response> parse_response(std::span<const std::uint8_t> message) {
  if (message.size() < 2) return make_error("malformed", "NAT-PMP response shorter than 8 bytes");
  if (message[0] != kVersion) return make_error("unsupported_version", "not a NAT-PMP (version 0) answer");
  if (message[1] < kResponseOffset) return make_error("malformed", "NAT-PMP request where a response was expected");
  const std::uint8_t opcode = static_cast<std::uint8_t>(message[1] - kResponseOffset);
  if (!known(opcode)) return make_error("malformed", "NAT-PMP opcode " + std::to_string(message[1]) + " unknown");
  if (message.size() < kErrorResponseSize) return make_error("malformed", "NAT-PMP response shorter than 8 bytes");
  Response a;
  a.opcode = static_cast<Opcode>(opcode);
  ByteReader r(message);
  r.skip(2);
  r.read_u16(a.result);
  r.read_u32(a.epoch);
  if (message.size() < response_size(a.opcode)) {
    if (a.result != 0) return a;  // an error answer need not carry the rest
    return make_error("malformed", "NAT-PMP success response is truncated");
  }
  if (a.opcode == Opcode::external_address) {
    std::span<const std::uint8_t> ip;
    r.read_bytes(4, ip);
    std::copy(ip.begin(), ip.end(), a.external_address.begin());
  } else {
    r.read_u16(a.internal_port);
    r.read_u16(a.external_port);
    r.read_u32(a.lifetime);
  }
  return a;
}

std::vector<std::uint8_t> serialize_request(const Request& request) {
  ByteWriter w;
  w.u8(kVersion);
  w.u8(static_cast<std::uint8_t>(request.opcode));
  if (request.opcode == Opcode::external_address) return w.take();
  w.u16(0);
  w.u16(request.internal_port);
  w.u16(request.external_port);
  w.u32(request.lifetime);
  return w.take();
}

std::vector<std::uint8_t> serialize_response(const Response& response) {
  ByteWriter w;
  w.u8(kVersion);
  w.u8(static_cast<std::uint8_t>(static_cast<std::uint8_t>(response.opcode) + kResponseOffset));
  w.u16(response.result);
  w.u32(response.epoch);
  if (response.opcode == Opcode::external_address) {
    w.bytes(response.external_address);
  } else {
    w.u16(response.internal_port);
    w.u16(response.external_port);
    w.u32(response.lifetime);
  }
  return w.take();
}

std::string result_name(std::uint16_t code) {
  switch (static_cast<ResultCode>(code)) {
    case ResultCode::success: return "SUCCESS";
    case ResultCode::unsupported_version: return "UNSUPPORTED_VERSION";
    case ResultCode::not_authorized: return "NOT_AUTHORIZED";
    case ResultCode::network_failure: return "NETWORK_FAILURE";
    case ResultCode::out_of_resources: return "OUT_OF_RESOURCES";
    case ResultCode::unsupported_opcode: return "UNSUPPORTED_OPCODE";
  }
  return "result " + std::to_string(code);
}

}  // namespace p2pd::proto::natpmp
