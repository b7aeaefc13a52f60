#include "core/proto/stun_address.hpp"

#include <algorithm>

#include "core/proto/byte_reader.hpp"
#include "core/proto/byte_writer.hpp"
#include "core/proto/stun_names.hpp"

namespace p2pd::proto::stun {
namespace {

std::size_t ip_size(AddressFamily f) { return f == AddressFamily::v4 ? 4 : 16; }

// The 16-byte XOR pad: magic cookie, then the transaction id. IPv4 uses its first 4
// bytes, the port its first 2.
std::array<std::uint8_t, 16> xor_pad(const TransactionId& id) {
  std::array<std::uint8_t, 16> pad{};
  store_be32(pad.data(), kMagicCookie);
  std::copy(id.begin(), id.end(), pad.begin() + 4);
  return pad;
}

Address apply_xor(Address a, const TransactionId& id) {
  const auto pad = xor_pad(id);
  a.port = static_cast<std::uint16_t>(a.port ^ (kMagicCookie >> 16));
  for (std::size_t i = 0; i < ip_size(a.family); ++i) a.bytes[i] ^= pad[i];
  return a;
}

Error not_found(std::uint16_t type) { return make_error("not_found", "no " + attribute_name(type)); }

Result<Address> with_name(Result<Address> r, std::uint16_t type) {
  if (r) return r;
  return make_error(r.error().code, attribute_name(type) + ": " + r.error().message);
}

}  // namespace

Address Address::v4(std::array<std::uint8_t, 4> ip, std::uint16_t port) {
  Address a;
  a.family = AddressFamily::v4;
  std::copy(ip.begin(), ip.end(), a.bytes.begin());
  a.port = port;
  return a;
}

Address Address::v6(std::array<std::uint8_t, 16> ip, std::uint16_t port) {
  Address a;
  a.family = AddressFamily::v6;
  a.bytes = ip;
  a.port = port;
  return a;
}

std::vector<std::uint8_t> encode_address(const Address& a) {
  ByteWriter w;
  w.u8(0);
  w.u8(static_cast<std::uint8_t>(a.family));
  w.u16(a.port);
  w.bytes(std::span(a.bytes).first(ip_size(a.family)));
  return w.take();
}

Result<Address> decode_address(std::span<const std::uint8_t> value) {
  ByteReader r(value);
  std::uint8_t reserved = 0, family = 0;
  Address a;
  if (!r.read_u8(reserved) || !r.read_u8(family) || !r.read_u16(a.port))
    return make_error("malformed", "address shorter than 4 bytes");
  if (family != 0x01 && family != 0x02) return make_error("malformed", "unknown address family");
  a.family = static_cast<AddressFamily>(family);
  std::span<const std::uint8_t> ip;
  if (r.remaining() != ip_size(a.family) || !r.read_bytes(ip_size(a.family), ip))
    return make_error("malformed", "address length does not fit its family");
  std::copy(ip.begin(), ip.end(), a.bytes.begin());
  return a;
}

std::vector<std::uint8_t> encode_xor_address(const Address& address, const TransactionId& id) {
  return encode_address(apply_xor(address, id));
}

Result<Address> decode_xor_address(std::span<const std::uint8_t> value, const TransactionId& id) {
  auto a = decode_address(value);
  if (!a) return a;
  return apply_xor(*a, id);
}

void add_address(Message& m, std::uint16_t type, const Address& address) {
  m.add(type, encode_address(address));
}

void add_xor_address(Message& m, std::uint16_t type, const Address& address) {
  m.add(type, encode_xor_address(address, m.transaction_id));
}

Result<Address> get_address(const Message& m, std::uint16_t type) {
  const Attribute* a = m.find(type);
  if (!a) return not_found(type);
  return with_name(decode_address(a->value), type);
}

Result<Address> get_xor_address(const Message& m, std::uint16_t type) {
  const Attribute* a = m.find(type);
  if (!a) return not_found(type);
  if (m.is_classic())
    return make_error("malformed", attribute_name(type) + " in a classic RFC 3489 message");
  return with_name(decode_xor_address(a->value, m.transaction_id), type);
}

Result<Address> get_mapped_address(const Message& m) {
  if (!m.is_classic() && m.has(attr::xor_mapped_address)) return get_xor_address(m, attr::xor_mapped_address);
  return get_address(m, attr::mapped_address);
}

}  // namespace p2pd::proto::stun
