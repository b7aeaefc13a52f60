#include "core/proto/stun_attributes.hpp"

#include <algorithm>

#include "core/proto/byte_reader.hpp"
#include "core/proto/byte_writer.hpp"
#include "core/proto/stun_names.hpp"

namespace p2pd::proto::stun {
namespace {

Error malformed(std::uint16_t type, std::string_view what) {
  return make_error("malformed", attribute_name(type) + ": " + std::string(what));
}

// The value of the first attribute of `type`, or "not_found".
Result<std::span<const std::uint8_t>> value_of(const Message& m, std::uint16_t type) {
  const Attribute* a = m.find(type);
  if (!a) return make_error("not_found", "no " + attribute_name(type));
  return std::span<const std::uint8_t>(a->value);
}

// Runs a value decoder on the first attribute of `type`, naming it in errors.
template <class T, class Decode>
Result<T> get_with(const Message& m, std::uint16_t type, Decode decode) {
  auto v = value_of(m, type);
  if (!v) return v.error();
  Result<T> r = decode(*v);
  if (!r) return malformed(type, r.error().message);
  return r;
}

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

// --- text --------------------------------------------------------------------------

void add_text(Message& m, std::uint16_t type, std::string_view text) { m.add(type, as_bytes(text)); }

Result<std::string> get_text(const Message& m, std::uint16_t type, std::size_t max_size) {
  auto v = value_of(m, type);
  if (!v) return v.error();
  if (v->size() > max_size) return malformed(type, "longer than " + std::to_string(max_size) + " bytes");
  return std::string(v->begin(), v->end());
}

Result<std::string> get_username(const Message& m) { return get_text(m, attr::username, kMaxUsernameSize); }
Result<std::string> get_realm(const Message& m) { return get_text(m, attr::realm); }
Result<std::string> get_nonce(const Message& m) { return get_text(m, attr::nonce); }
Result<std::string> get_software(const Message& m) { return get_text(m, attr::software); }

// --- integers ------------------------------------------------------------------------

void add_u32(Message& m, std::uint16_t type, std::uint32_t value) {
  ByteWriter w;
  w.u32(value);
  m.add(type, w.take());
}

Result<std::uint32_t> get_u32(const Message& m, std::uint16_t type) {
  return get_with<std::uint32_t>(m, type, [](std::span<const std::uint8_t> v) -> Result<std::uint32_t> {
    if (v.size() != 4) return make_error("malformed", "not 4 bytes");
    return load_be32(v.data());
  });
}

void add_u64(Message& m, std::uint16_t type, std::uint64_t value) {
  ByteWriter w;
  w.u64(value);
  m.add(type, w.take());
}

Result<std::uint64_t> get_u64(const Message& m, std::uint16_t type) {
  return get_with<std::uint64_t>(m, type, [](std::span<const std::uint8_t> v) -> Result<std::uint64_t> {
    ByteReader r(v);
    std::uint64_t out = 0;
    if (v.size() != 8 || !r.read_u64(out)) return make_error("malformed", "not 8 bytes");
    return out;
  });
}

// --- ERROR-CODE ------------------------------------------------------------------------

std::vector<std::uint8_t> encode_error_code(const ErrorCode& e) {
  ByteWriter w;
  const unsigned code = e.code % 1000u;
  w.u16(0);
  w.u8(static_cast<std::uint8_t>(code / 100));
  w.u8(static_cast<std::uint8_t>(code % 100));
  w.bytes(as_bytes(e.reason));
  return w.take();
}

Result<ErrorCode> decode_error_code(std::span<const std::uint8_t> value) {
  ByteReader r(value);
  std::uint16_t reserved = 0;
  std::uint8_t cls = 0, number = 0;
  if (!r.read_u16(reserved) || !r.read_u8(cls) || !r.read_u8(number))
    return make_error("malformed", "shorter than 4 bytes");
  cls &= 0x07;  // the 21 bits before the class are reserved
  if (cls < 3 || cls > 6 || number > 99) return make_error("malformed", "code outside 300-699");
  if (r.remaining() > kMaxTextSize) return make_error("malformed", "reason phrase too long");
  std::span<const std::uint8_t> reason;
  (void)r.read_bytes(r.remaining(), reason);
  return ErrorCode{static_cast<std::uint16_t>(cls * 100 + number), std::string(reason.begin(), reason.end())};
}

void add_error_code(Message& m, const ErrorCode& e) { m.add(attr::error_code, encode_error_code(e)); }

Result<ErrorCode> get_error_code(const Message& m) {
  return get_with<ErrorCode>(m, attr::error_code, decode_error_code);
}

// --- UNKNOWN-ATTRIBUTES ----------------------------------------------------------------

std::vector<std::uint8_t> encode_unknown_attributes(std::span<const std::uint16_t> types) {
  ByteWriter w;
  for (std::uint16_t t : types) w.u16(t);
  return w.take();
}

Result<std::vector<std::uint16_t>> decode_unknown_attributes(std::span<const std::uint8_t> value) {
  if (value.size() % 2 != 0) return make_error("malformed", "odd length");
  std::vector<std::uint16_t> types;
  types.reserve(value.size() / 2);
  for (std::size_t i = 0; i < value.size(); i += 2) types.push_back(load_be16(value.data() + i));
  return types;
}

void add_unknown_attributes(Message& m, std::span<const std::uint16_t> types) {
  m.add(attr::unknown_attributes, encode_unknown_attributes(types));
}

Result<std::vector<std::uint16_t>> get_unknown_attributes(const Message& m) {
  return get_with<std::vector<std::uint16_t>>(m, attr::unknown_attributes, decode_unknown_attributes);
}

std::vector<std::uint16_t> unknown_required_attributes(const Message& m,
                                                       std::span<const std::uint16_t> understood) {
  std::vector<std::uint16_t> out;
  for (const Attribute& a : m.attributes) {
    if (!is_comprehension_required(a.type)) continue;
    if (a.type == attr::message_integrity || a.type == attr::message_integrity_sha256) continue;
    if (std::find(understood.begin(), understood.end(), a.type) != understood.end()) continue;
    if (std::find(out.begin(), out.end(), a.type) != out.end()) continue;
    out.push_back(a.type);
  }
  return out;
}

// --- CHANGE-REQUEST ----------------------------------------------------------------------

namespace {
constexpr std::uint32_t kChangeIp = 0x04;
constexpr std::uint32_t kChangePort = 0x02;
}  // namespace

std::vector<std::uint8_t> encode_change_request(const ChangeRequest& c) {
  ByteWriter w;
  w.u32((c.change_ip ? kChangeIp : 0) | (c.change_port ? kChangePort : 0));
  return w.take();
}

Result<ChangeRequest> decode_change_request(std::span<const std::uint8_t> value) {
  if (value.size() != 4) return make_error("malformed", "not 4 bytes");
  const std::uint32_t flags = load_be32(value.data());
  return ChangeRequest{(flags & kChangeIp) != 0, (flags & kChangePort) != 0};
}

void add_change_request(Message& m, const ChangeRequest& c) {
  m.add(attr::change_request, encode_change_request(c));
}

Result<ChangeRequest> get_change_request(const Message& m) {
  return get_with<ChangeRequest>(m, attr::change_request, decode_change_request);
}

// --- RESPONSE-PORT -----------------------------------------------------------------------

std::vector<std::uint8_t> encode_response_port(std::uint16_t port) {
  ByteWriter w;
  w.u16(port);
  w.u16(0);
  return w.take();
}

Result<std::uint16_t> decode_response_port(std::span<const std::uint8_t> value) {
  if (value.size() != 4) return make_error("malformed", "not 4 bytes");
  return load_be16(value.data());
}

void add_response_port(Message& m, std::uint16_t port) { m.add(attr::response_port, encode_response_port(port)); }

Result<std::uint16_t> get_response_port(const Message& m) {
  return get_with<std::uint16_t>(m, attr::response_port, decode_response_port);
}

}  // namespace p2pd::proto::stun
