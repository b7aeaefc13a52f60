#pragma once
// The digests STUN authentication needs, from GnuTLS (the one library core/proto may
// use besides the standard one). Each returns false only if GnuTLS refuses the
// algorithm (MD5 in FIPS mode); the output is then not to be used.
#include <array>
#include <cstdint>
#include <span>

namespace p2pd::proto::stun {

using Sha1Digest = std::array<std::uint8_t, 20>;
using Sha256Digest = std::array<std::uint8_t, 32>;
using Md5Digest = std::array<std::uint8_t, 16>;

bool hmac_sha1(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data, Sha1Digest& out);
bool hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data, Sha256Digest& out);
bool md5(std::span<const std::uint8_t> data, Md5Digest& out);
bool sha256(std::span<const std::uint8_t> data, Sha256Digest& out);

// Compares without stopping at the first difference, so timing tells nothing about
// where a forged MAC went wrong. Different sizes compare unequal.
bool equal_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

}  // namespace p2pd::proto::stun
