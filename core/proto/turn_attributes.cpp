#include "core/proto/turn_attributes.hpp"

#include "core/proto/byte_reader.hpp"
#include "core/proto/byte_writer.hpp"
#include "core/proto/stun_attributes.hpp"
#include "core/proto/stun_names.hpp"

namespace p2pd::proto::turn {
namespace {

// The value of the first attribute of `type` run through `decode`, naming the attribute
// in errors.
template <class T, class Decode>
Result<T> get_with(const Message& m, std::uint16_t type, Decode decode) {
  const stun::Attribute* a = m.find(type);
  if (!a) return make_error("not_found", "no " + stun::attribute_name(type));
  Result<T> r = decode(std::span<const std::uint8_t>(a->value));
  if (!r) return make_error("malformed", stun::attribute_name(type) + ": " + r.error().message);
  return r;
}

// A one-byte field followed by three reserved bytes.
std::vector<std::uint8_t> byte_and_rffu(std::uint8_t v) { return {v, 0, 0, 0}; }

}  // namespace

// --- CHANNEL-NUMBER ----------------------------------------------------------------------

std::vector<std::uint8_t> encode_channel_number(std::uint16_t channel) {
  ByteWriter w;
  w.u16(channel);
  w.u16(0);
  return w.take();
}

Result<std::uint16_t> decode_channel_number(std::span<const std::uint8_t> value) {
  if (value.size() != 4) return make_error("malformed", "not 4 bytes");
  const std::uint16_t n = load_be16(value.data());
  if (!is_valid_channel(n)) return make_error("malformed", "channel number outside 0x4000-0x4FFF");
  return n;
}

void add_channel_number(Message& m, std::uint16_t channel) {
  m.add(attr::channel_number, encode_channel_number(channel));
}

Result<std::uint16_t> get_channel_number(const Message& m) {
  return get_with<std::uint16_t>(m, attr::channel_number, decode_channel_number);
}

// --- REQUESTED-TRANSPORT -------------------------------------------------------------------

std::vector<std::uint8_t> encode_requested_transport(std::uint8_t protocol) { return byte_and_rffu(protocol); }

Result<std::uint8_t> decode_requested_transport(std::span<const std::uint8_t> value) {
  if (value.size() != 4) return make_error("malformed", "not 4 bytes");
  return value[0];
}

void add_requested_transport(Message& m, std::uint8_t protocol) {
  m.add(attr::requested_transport, encode_requested_transport(protocol));
}

Result<std::uint8_t> get_requested_transport(const Message& m) {
  return get_with<std::uint8_t>(m, attr::requested_transport, decode_requested_transport);
}

// --- address families ------------------------------------------------------------------------

std::vector<std::uint8_t> encode_address_family(AddressFamily family) {
  return byte_and_rffu(static_cast<std::uint8_t>(family));
}

Result<AddressFamily> decode_address_family(std::span<const std::uint8_t> value) {
  if (value.size() != 4) return make_error("malformed", "not 4 bytes");
  if (value[0] == static_cast<std::uint8_t>(AddressFamily::v4)) return AddressFamily::v4;
  if (value[0] == static_cast<std::uint8_t>(AddressFamily::v6)) return AddressFamily::v6;
  return make_error("malformed", "unknown address family");
}

void add_address_family(Message& m, std::uint16_t type, AddressFamily family) {
  m.add(type, encode_address_family(family));
}

Result<AddressFamily> get_address_family(const Message& m, std::uint16_t type) {
  return get_with<AddressFamily>(m, type, decode_address_family);
}

// --- EVEN-PORT -----------------------------------------------------------------------------

std::vector<std::uint8_t> encode_even_port(bool reserve_next) {
  return {static_cast<std::uint8_t>(reserve_next ? 0x80 : 0x00)};
}

Result<bool> decode_even_port(std::span<const std::uint8_t> value) {
  if (value.size() != 1) return make_error("malformed", "not 1 byte");
  return (value[0] & 0x80) != 0;
}

void add_even_port(Message& m, bool reserve_next) { m.add(attr::even_port, encode_even_port(reserve_next)); }

Result<bool> get_even_port(const Message& m) { return get_with<bool>(m, attr::even_port, decode_even_port); }

// --- integers ------------------------------------------------------------------------------

void add_lifetime(Message& m, std::uint32_t seconds) { stun::add_u32(m, attr::lifetime, seconds); }
Result<std::uint32_t> get_lifetime(const Message& m) { return stun::get_u32(m, attr::lifetime); }
void add_connection_id(Message& m, std::uint32_t id) { stun::add_u32(m, attr::connection_id, id); }
Result<std::uint32_t> get_connection_id(const Message& m) { return stun::get_u32(m, attr::connection_id); }
void add_reservation_token(Message& m, std::uint64_t token) { stun::add_u64(m, attr::reservation_token, token); }
Result<std::uint64_t> get_reservation_token(const Message& m) { return stun::get_u64(m, attr::reservation_token); }

// --- DONT-FRAGMENT, DATA -------------------------------------------------------------------

void add_dont_fragment(Message& m) { m.add(attr::dont_fragment, std::vector<std::uint8_t>{}); }

void add_data(Message& m, std::span<const std::uint8_t> data) { m.add(attr::data, data); }

Result<std::span<const std::uint8_t>> get_data(const Message& m) {
  const stun::Attribute* a = m.find(attr::data);
  if (!a) return make_error("not_found", "no DATA");
  return std::span<const std::uint8_t>(a->value);
}

// --- ADDRESS-ERROR-CODE ----------------------------------------------------------------------

std::vector<std::uint8_t> encode_address_error_code(const AddressErrorCode& e) {
  std::vector<std::uint8_t> out = stun::encode_error_code(stun::ErrorCode{e.code, e.reason});
  out[0] = static_cast<std::uint8_t>(e.family);
  return out;
}

Result<AddressErrorCode> decode_address_error_code(std::span<const std::uint8_t> value) {
  // The same layout as ERROR-CODE, whose decoder ignores the reserved bits where the
  // family sits.
  auto plain = stun::decode_error_code(value);
  if (!plain) return plain.error();
  auto family = decode_address_family(std::vector<std::uint8_t>{value[0], 0, 0, 0});
  if (!family) return family.error();
  return AddressErrorCode{*family, plain->code, std::move(plain->reason)};
}

// --- ICMP -------------------------------------------------------------------------------------

std::vector<std::uint8_t> encode_icmp(const Icmp& icmp) {
  ByteWriter w;
  w.u16(0);
  w.u8(icmp.type);
  w.u8(icmp.code);
  w.u32(icmp.error_data);
  return w.take();
}

Result<Icmp> decode_icmp(std::span<const std::uint8_t> value) {
  if (value.size() != 8) return make_error("malformed", "not 8 bytes");
  return Icmp{value[2], value[3], load_be32(value.data() + 4)};
}

std::span<const std::uint16_t> understood_attributes() {
  static constexpr std::uint16_t kUnderstood[] = {
      stun::attr::mapped_address,     stun::attr::username,    stun::attr::error_code,
      stun::attr::unknown_attributes, stun::attr::realm,       stun::attr::nonce,
      stun::attr::xor_mapped_address, attr::channel_number,    attr::lifetime,
      attr::xor_peer_address,         attr::data,              attr::xor_relayed_address,
      attr::requested_address_family, attr::even_port,         attr::requested_transport,
      attr::dont_fragment,            attr::reservation_token, attr::connection_id,
      stun::attr::password_algorithm, stun::attr::userhash,
  };
  return kUnderstood;
}

}  // namespace p2pd::proto::turn
