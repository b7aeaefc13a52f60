#include "core/proto/stun_integrity.hpp"

#include <string>

#include "core/proto/byte_writer.hpp"
#include "core/proto/crc32.hpp"
#include "core/proto/stun_constants.hpp"
#include "core/proto/stun_crypto.hpp"
#include "core/proto/stun_wire.hpp"

namespace p2pd::proto::stun {
namespace {

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::uint16_t attribute_type(IntegrityAlgorithm algorithm) {
  return algorithm == IntegrityAlgorithm::sha1 ? attr::message_integrity : attr::message_integrity_sha256;
}

// The MAC over `prefix` (header and the attributes before the integrity attribute) with
// the header's length field replaced by `length` (covering the integrity attribute).
// Returns the full-size MAC, or an empty vector if GnuTLS fails.
std::vector<std::uint8_t> compute_mac(std::span<const std::uint8_t> prefix, std::uint16_t length,
                                      IntegrityAlgorithm algorithm, std::span<const std::uint8_t> key) {
  std::vector<std::uint8_t> text(prefix.begin(), prefix.end());
  store_be16(text.data() + 2, length);
  if (algorithm == IntegrityAlgorithm::sha1) {
    Sha1Digest mac;
    if (!hmac_sha1(key, text, mac)) return {};
    return {mac.begin(), mac.end()};
  }
  Sha256Digest mac;
  if (!hmac_sha256(key, text, mac)) return {};
  return {mac.begin(), mac.end()};
}

Status check_one(std::span<const std::uint8_t> packet, const WireAttribute& a,
                 IntegrityAlgorithm algorithm, std::span<const std::uint8_t> key) {
  const auto length = static_cast<std::uint16_t>(a.offset - kHeaderSize + 4 + a.value.size());
  std::vector<std::uint8_t> mac = compute_mac(packet.first(a.offset), length, algorithm, key);
  if (mac.empty()) return make_error("crypto", "GnuTLS could not compute the HMAC");
  // MESSAGE-INTEGRITY-SHA256 may be truncated to its first 16-28 bytes.
  if (!equal_constant_time(std::span(mac).first(a.value.size()), a.value))
    return make_error("integrity_mismatch", "message integrity does not match");
  return {};
}

}  // namespace

Result<std::vector<std::uint8_t>> long_term_key(std::string_view username, std::string_view realm,
                                                std::string_view password, PasswordAlgorithm algorithm) {
  std::string text;
  text.reserve(username.size() + realm.size() + password.size() + 2);
  text.append(username).append(":").append(realm).append(":").append(password);
  if (algorithm == PasswordAlgorithm::sha256) {
    Sha256Digest d;
    if (!sha256(as_bytes(text), d)) return make_error("crypto", "GnuTLS could not compute SHA-256");
    return std::vector<std::uint8_t>(d.begin(), d.end());
  }
  Md5Digest d;
  if (!md5(as_bytes(text), d)) return make_error("crypto", "GnuTLS could not compute MD5");
  return std::vector<std::uint8_t>(d.begin(), d.end());
}

std::vector<std::uint8_t> short_term_key(std::string_view password) {
  auto b = as_bytes(password);
  return {b.begin(), b.end()};
}

Status verify_integrity(std::span<const std::uint8_t> packet, std::span<const std::uint8_t> key,
                        IntegrityAlgorithm algorithm) {
  auto wire = scan(packet);
  if (!wire) return wire.error();
  const std::uint16_t type = attribute_type(algorithm);
  for (const WireAttribute& a : wire->attributes)
    if (a.type == type) return check_one(packet, a, algorithm, key);
  return make_error("integrity_missing", algorithm == IntegrityAlgorithm::sha1
                                             ? "no MESSAGE-INTEGRITY"
                                             : "no MESSAGE-INTEGRITY-SHA256");
}

Result<IntegrityAlgorithm> verify_integrity(std::span<const std::uint8_t> packet,
                                            std::span<const std::uint8_t> key) {
  auto wire = scan(packet);
  if (!wire) return wire.error();
  const WireAttribute* sha1 = nullptr;
  const WireAttribute* sha256 = nullptr;
  for (const WireAttribute& a : wire->attributes) {
    if (a.type == attr::message_integrity) sha1 = &a;
    if (a.type == attr::message_integrity_sha256) sha256 = &a;
  }
  const IntegrityAlgorithm algorithm = sha256 ? IntegrityAlgorithm::sha256 : IntegrityAlgorithm::sha1;
  const WireAttribute* a = sha256 ? sha256 : sha1;
  if (!a) return make_error("integrity_missing", "no MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256");
  if (auto r = check_one(packet, *a, algorithm, key); !r) return r.error();
  return algorithm;
}

bool append_integrity(std::vector<std::uint8_t>& message, IntegrityAlgorithm algorithm,
                      std::span<const std::uint8_t> key) {
  const std::size_t mac_size = algorithm == IntegrityAlgorithm::sha1 ? 20 : 32;
  const auto length = static_cast<std::uint16_t>(message.size() - kHeaderSize + 4 + mac_size);
  std::vector<std::uint8_t> mac = compute_mac(message, length, algorithm, key);
  if (mac.empty()) return false;
  ByteWriter w(std::move(message));
  w.patch_u16(2, length);
  w.u16(attribute_type(algorithm));
  w.u16(static_cast<std::uint16_t>(mac_size));
  w.bytes(mac);
  message = w.take();
  return true;
}

void append_fingerprint(std::vector<std::uint8_t>& message) {
  ByteWriter w(std::move(message));
  w.patch_u16(2, static_cast<std::uint16_t>(w.size() - kHeaderSize + 8));
  const std::uint32_t value = crc32(w.data()) ^ kFingerprintXor;
  w.u16(attr::fingerprint);
  w.u16(4);
  w.u32(value);
  message = w.take();
}

}  // namespace p2pd::proto::stun
