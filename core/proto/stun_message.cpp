#include "core/proto/stun_message.hpp"

#include <algorithm>

#include "core/proto/byte_writer.hpp"
#include "core/proto/stun_integrity.hpp"
#include "core/proto/stun_wire.hpp"

namespace p2pd::proto::stun {
namespace {

bool is_trailer(std::uint16_t type) {
  return type == attr::message_integrity || type == attr::message_integrity_sha256 ||
         type == attr::fingerprint;
}

}  // namespace

const Attribute* Message::find(std::uint16_t type) const {
  auto it = std::find_if(attributes.begin(), attributes.end(),
                         [type](const Attribute& a) { return a.type == type; });
  return it == attributes.end() ? nullptr : &*it;
}

void Message::add(std::uint16_t type, std::vector<std::uint8_t> value) {
  attributes.push_back(Attribute{type, std::move(value)});
}

void Message::add(std::uint16_t type, std::span<const std::uint8_t> value) {
  add(type, std::vector<std::uint8_t>(value.begin(), value.end()));
}

std::uint16_t message_type(Method m, MessageClass c) {
  const unsigned cls = static_cast<unsigned>(c);
  const unsigned bits = (m & 0x000Fu) | ((m & 0x0070u) << 1) | ((m & 0x0F80u) << 2) |
                        ((cls & 1u) << 4) | ((cls & 2u) << 7);
  return static_cast<std::uint16_t>(bits);
}

Method method_of(std::uint16_t t) {
  return static_cast<Method>((t & 0x000Fu) | ((t & 0x00E0u) >> 1) | ((t & 0x3E00u) >> 2));
}

MessageClass class_of(std::uint16_t t) {
  return static_cast<MessageClass>(((t >> 4) & 1u) | ((t >> 7) & 2u));
}

Result<Message> parse(std::span<const std::uint8_t> packet) {
  auto wire = scan(packet);
  if (!wire) return wire.error();
  Message m;
  m.message_class = class_of(wire->type);
  m.method = method_of(wire->type);
  m.cookie = wire->cookie;
  std::copy(wire->transaction_id.begin(), wire->transaction_id.end(), m.transaction_id.begin());
  m.attributes.reserve(wire->attributes.size());
  for (const WireAttribute& a : wire->attributes) m.add(a.type, a.value);
  return m;
}

std::vector<std::uint8_t> serialize(const Message& message, const SerializeOptions& options) {
  constexpr std::size_t kMaxBody = 0xFFFF;
  ByteWriter w;
  w.u16(message_type(message.method, message.message_class));
  w.u16(0);  // length, set below
  w.u32(message.cookie);
  w.bytes(message.transaction_id);
  for (const Attribute& a : message.attributes) {
    if (is_trailer(a.type)) continue;
    if (a.value.size() > 0xFFFF) return {};
    w.u16(a.type);
    w.u16(static_cast<std::uint16_t>(a.value.size()));
    w.bytes(a.value);
    w.zeros(padded_size(a.value.size()) - a.value.size());
    if (w.size() - kHeaderSize > kMaxBody) return {};
  }
  const std::size_t trailer = (options.integrity_key ? 24 : 0) +
                              (options.integrity_sha256_key ? 36 : 0) + (options.fingerprint ? 8 : 0);
  if (w.size() - kHeaderSize + trailer > kMaxBody) return {};
  w.patch_u16(2, static_cast<std::uint16_t>(w.size() - kHeaderSize));

  std::vector<std::uint8_t> out = w.take();
  if (options.integrity_key && !append_integrity(out, IntegrityAlgorithm::sha1, *options.integrity_key))
    return {};
  if (options.integrity_sha256_key &&
      !append_integrity(out, IntegrityAlgorithm::sha256, *options.integrity_sha256_key))
    return {};
  if (options.fingerprint) append_fingerprint(out);
  return out;
}

}  // namespace p2pd::proto::stun
