#include "core/proto/pcp_message.hpp"

#include <algorithm>

#include "core/proto/byte_reader.hpp"
#include "core/proto/byte_writer.hpp"

namespace p2pd::proto::pcp {
namespace {

Status check_frame(std::span<const std::uint8_t> message, bool response) {
  if (message.size() < 2) return make_error("malformed", "PCP message shorter than 24 bytes");
  if (message[0] != kVersion)
    return make_error("unsupported_version",
                      message[0] == 0 ? "NAT-PMP (version 0) answer, not PCP" : "PCP version is not 2");
  if (message.size() < kHeaderSize) return make_error("malformed", "PCP message shorter than 24 bytes");
  if (message.size() > kMaxMessage) return make_error("malformed", "PCP message longer than 1100 bytes");
  if (message.size() % 4 != 0) return make_error("malformed", "PCP message size is not a multiple of 4");
  if (((message[1] & kResponseBit) != 0) != response)
    return make_error("malformed", response ? "PCP request where a response was expected"
                                            : "PCP response where a request was expected");
  const std::uint8_t opcode = message[1] & 0x7F;
  if (opcode != static_cast<std::uint8_t>(Opcode::announce) && opcode != static_cast<std::uint8_t>(Opcode::map))
    return make_error("unsupported", "PCP opcode " + std::to_string(opcode) + " is not ANNOUNCE or MAP");
  return {};
}

void read_ip(ByteReader& r, Ip& out) {
  std::span<const std::uint8_t> bytes;
  r.read_bytes(out.size(), bytes);  // callers checked the size
  std::copy(bytes.begin(), bytes.end(), out.begin());
}

Result<std::optional<MapData>> read_map(ByteReader& r, Opcode opcode) {
  if (opcode != Opcode::map) return std::optional<MapData>{};
  if (r.remaining() < kMapSize) return make_error("malformed", "PCP MAP data missing");
  MapData m;
  std::span<const std::uint8_t> nonce;
  r.read_bytes(kNonceSize, nonce);
  std::copy(nonce.begin(), nonce.end(), m.nonce.begin());
  r.read_u8(m.protocol);
  r.skip(3);
  r.read_u16(m.internal_port);
  r.read_u16(m.external_port);
  read_ip(r, m.external_address);
  return std::optional<MapData>{m};
}

bool write_map(ByteWriter& w, Opcode opcode, const std::optional<MapData>& map) {
  if (opcode != Opcode::map && opcode != Opcode::announce) return false;
  if ((opcode == Opcode::map) != map.has_value()) return false;
  if (!map) return true;
  w.bytes(map->nonce);
  w.u8(map->protocol);
  w.zeros(3);
  w.u16(map->internal_port);
  w.u16(map->external_port);
  w.bytes(map->external_address);
  return true;
}

std::vector<std::uint8_t> finish(ByteWriter& w, Opcode opcode, const std::optional<MapData>& map,
                                 std::span<const Option> options) {
  if (!write_map(w, opcode, map) || !write_options(w, options) || w.size() > kMaxMessage) return {};
  return w.take();
}

}  // namespace

Result<Request> parse_request(std::span<const std::uint8_t> message) {
  if (auto ok = check_frame(message, false); !ok) return ok.error();
  ByteReader r(message);
  Request q;
  r.skip(1);
  std::uint8_t opcode = 0;
  r.read_u8(opcode);
  q.opcode = static_cast<Opcode>(opcode & 0x7F);
  r.skip(2);
  r.read_u32(q.lifetime);
  read_ip(r, q.client_address);
  auto map = read_map(r, q.opcode);
  if (!map) return map.error();
  q.map = *map;
  auto options = read_options(r);
  if (!options) return options.error();
  q.options = std::move(*options);
  return q;
}

Result<Response> parse_response(std::span<const std::uint8_t> message) {
  if (auto ok = check_frame(message, true); !ok) return ok.error();
  ByteReader r(message);
  Response a;
  r.skip(1);
  std::uint8_t opcode = 0;
  r.read_u8(opcode);
  a.opcode = static_cast<Opcode>(opcode & 0x7F);
  r.skip(1);
  r.read_u8(a.result);
  r.read_u32(a.lifetime);
  r.read_u32(a.epoch);
  r.skip(12);
  auto map = read_map(r, a.opcode);
  if (!map) return map.error();
  a.map = *map;
  auto options = read_options(r);
  if (!options) return options.error();
  a.options = std::move(*options);
  return a;
}

std::vector<std::uint8_t> serialize_request(const Request& request) {
  ByteWriter w;
  w.u8(kVersion);
  w.u8(static_cast<std::uint8_t>(request.opcode) & 0x7F);
  w.u16(0);
  w.u32(request.lifetime);
  w.bytes(request.client_address);
  return finish(w, request.opcode, request.map, request.options);
}

std::vector<std::uint8_t> serialize_response(const Response& response) {
  ByteWriter w;
  w.u8(kVersion);
  w.u8(static_cast<std::uint8_t>(static_cast<std::uint8_t>(response.opcode) | kResponseBit));
  w.u8(0);
  w.u8(response.result);
  w.u32(response.lifetime);
  w.u32(response.epoch);
  w.zeros(12);
  return finish(w, response.opcode, response.map, response.options);
}

}  // namespace p2pd::proto::pcp
