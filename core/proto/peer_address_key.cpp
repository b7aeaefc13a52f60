// Base32 (RFC 4648 alphabet, lowercase, unpadded) for public keys in peer addresses.
#include "core/proto/peer_address.hpp"

namespace p2pd::proto::peer {

namespace {
constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

int digit_of(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}
}  // namespace

std::string key_to_text(const Key& key) {
  std::string out;
  out.reserve(kKeyTextSize);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::uint8_t b : key) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(acc >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (5 - bits)) & 31]);
  return out;
}

Result<Key> key_from_text(std::string_view text) {
  if (text.size() != kKeyTextSize)
    return Error{"bad_address", "a key is " + std::to_string(kKeyTextSize) + " base32 characters, not " +
                                    std::to_string(text.size())};
  Key key{};
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    int d = digit_of(text[i]);
    if (d < 0) {
      return Error{"bad_address", "a key is lowercase base32 (a-z, 2-7); character " + std::to_string(i + 1) +
                                      " is not"};
    }
    acc = (acc << 5) | static_cast<std::uint32_t>(d);
    bits += 5;
    if (bits >= 8) {
      key[n++] = static_cast<std::uint8_t>(acc >> (bits - 8));
      bits -= 8;
    }
  }
  // 52 characters carry 260 bits: the last 4 must be zero (one spelling per key).
  if ((acc & ((1u << bits) - 1)) != 0) return Error{"bad_address", "a key's last character has stray bits"};
  return key;
}

}  // namespace p2pd::proto::peer
