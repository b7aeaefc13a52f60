#include "core/proto/stun_crypto.hpp"

#include <gnutls/crypto.h>

namespace p2pd::proto::stun {
namespace {

// GnuTLS reads nothing through a pointer when the length is zero, but an empty span's
// data() may be null; give it a valid address anyway.
const void* ptr(std::span<const std::uint8_t> s) {
  static constexpr std::uint8_t kEmpty = 0;
  return s.empty() ? &kEmpty : s.data();
}

}  // namespace

bool hmac_sha1(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data, Sha1Digest& out) {
  return gnutls_hmac_fast(GNUTLS_MAC_SHA1, ptr(key), key.size(), ptr(data), data.size(), out.data()) == 0;
}

bool hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data, Sha256Digest& out) {
  return gnutls_hmac_fast(GNUTLS_MAC_SHA256, ptr(key), key.size(), ptr(data), data.size(), out.data()) == 0;
}

bool md5(std::span<const std::uint8_t> data, Md5Digest& out) {
  return gnutls_hash_fast(GNUTLS_DIG_MD5, ptr(data), data.size(), out.data()) == 0;
}

bool sha256(std::span<const std::uint8_t> data, Sha256Digest& out) {
  return gnutls_hash_fast(GNUTLS_DIG_SHA256, ptr(data), data.size(), out.data()) == 0;
}

bool equal_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.size() != b.size()) return false;
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<std::uint8_t>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace p2pd::proto::stun
