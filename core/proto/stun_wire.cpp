#include "core/proto/stun_wire.hpp"

#include "core/proto/byte_reader.hpp"
#include "core/proto/crc32.hpp"
#include "core/proto/stun_constants.hpp"
#include "core/proto/stun_names.hpp"

namespace p2pd::proto::stun {
namespace {

Error malformed(std::string message) { return make_error("malformed", std::move(message)); }

// What may follow the attributes seen so far.
struct TrailerState {
  bool integrity = false;
  bool integrity_sha256 = false;
  bool fingerprint = false;
};

Result<void> check_value_size(std::uint16_t type, std::size_t size) {
  switch (type) {
    case attr::message_integrity:
      if (size != 20) return malformed("MESSAGE-INTEGRITY is not 20 bytes");
      break;
    case attr::message_integrity_sha256:
      if (size < 16 || size > 32 || size % 4 != 0)
        return malformed("MESSAGE-INTEGRITY-SHA256 is not 16-32 bytes in steps of 4");
      break;
    case attr::fingerprint:
      if (size != 4) return malformed("FINGERPRINT is not 4 bytes");
      break;
    default:
      break;
  }
  return {};
}

Result<void> check_order(std::uint16_t type, TrailerState& state) {
  if (state.fingerprint) return malformed(attribute_name(type) + " after FINGERPRINT");
  switch (type) {
    case attr::fingerprint:
      state.fingerprint = true;
      return {};
    case attr::message_integrity_sha256:
      if (state.integrity_sha256) return malformed("MESSAGE-INTEGRITY-SHA256 twice");
      state.integrity_sha256 = true;
      return {};
    case attr::message_integrity:
      if (state.integrity || state.integrity_sha256)
        return malformed("MESSAGE-INTEGRITY after MESSAGE-INTEGRITY(-SHA256)");
      state.integrity = true;
      return {};
    default:
      if (state.integrity || state.integrity_sha256)
        return malformed(attribute_name(type) + " after MESSAGE-INTEGRITY(-SHA256)");
      return {};
  }
}

}  // namespace

Result<WireMessage> scan(std::span<const std::uint8_t> packet) {
  if (packet.size() < kHeaderSize) return malformed("shorter than a STUN header");
  if ((packet[0] & 0xC0) != 0) return malformed("first two bits are not zero");
  const std::size_t length = load_be16(packet.data() + 2);
  if (length % 4 != 0) return malformed("length is not a multiple of 4");
  if (kHeaderSize + length != packet.size())
    return malformed("length field does not match the message size");

  WireMessage out;
  out.type = load_be16(packet.data());
  out.cookie = load_be32(packet.data() + 4);
  out.transaction_id = packet.subspan(8, kTransactionIdSize);

  ByteReader reader(packet.subspan(kHeaderSize));
  TrailerState state;
  while (!reader.empty()) {
    WireAttribute a;
    a.offset = kHeaderSize + reader.position();
    std::uint16_t size = 0;
    if (!reader.read_u16(a.type) || !reader.read_u16(size))
      return malformed("truncated attribute header");
    if (!reader.read_bytes(size, a.value))
      return malformed(attribute_name(a.type) + " runs past the end of the message");
    if (!reader.skip(padded_size(size) - size))
      return malformed(attribute_name(a.type) + " is missing its padding");
    if (auto r = check_order(a.type, state); !r) return r.error();
    if (auto r = check_value_size(a.type, size); !r) return r.error();
    if (a.type == attr::fingerprint) {
      if (!reader.empty())
        return malformed(attribute_name(load_be16(packet.data() + kHeaderSize + reader.position())) +
                         " after FINGERPRINT");
      // Last, so the length field covers it, as the CRC requires.
      const std::uint32_t want = crc32(packet.first(a.offset)) ^ kFingerprintXor;
      if (load_be32(a.value.data()) != want) return malformed("FINGERPRINT does not match");
    }
    out.attributes.push_back(a);
  }
  return out;
}

}  // namespace p2pd::proto::stun
