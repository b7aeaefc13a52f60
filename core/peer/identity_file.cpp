#include "core/peer/identity_file.hpp"

#include <sodium.h>

namespace p2pd::peer {

namespace {
constexpr std::string_view kHeader = "p2pd-ed25519-v1\n";
constexpr std::size_t kHexLen = 2 * crypto_sign_SEEDBYTES;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}
}  // namespace

std::string encode_identity_file(const Identity& id) {
  Seed seed = id.seed();
  std::string hex(kHexLen + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), seed.data(), seed.size());
  sodium_memzero(seed.data(), seed.size());
  hex.pop_back();  // the terminating NUL
  std::string out(kHeader);
  out += hex;
  out += '\n';
  sodium_memzero(hex.data(), hex.size());
  return out;
}

Result<Identity> decode_identity_file(const std::string& text) {
  if (text.empty()) return Error{"identity", "file is empty"};
  if (text.compare(0, kHeader.size(), kHeader) != 0)
    return Error{"identity", "not a p2pd identity file (first line must be \"p2pd-ed25519-v1\")"};
  std::string_view rest(text);
  rest.remove_prefix(kHeader.size());
  if (rest.size() != kHexLen + 1 || rest.back() != '\n')
    return Error{"identity", "the key line must be exactly 64 hex characters and a newline"};
  Seed seed{};
  for (std::size_t i = 0; i < seed.size(); ++i) {
    int hi = hex_value(rest[2 * i]);
    int lo = hex_value(rest[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      sodium_memzero(seed.data(), seed.size());
      return Error{"identity", "the key line holds a character that is not lowercase hex"};
    }
    seed[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  Identity id = Identity::from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return id;
}

}  // namespace p2pd::peer
