#pragma once
// MESSAGE-INTEGRITY (HMAC-SHA1), MESSAGE-INTEGRITY-SHA256 and FINGERPRINT over message
// bytes (RFC 8489 §14.5-14.7), and the long-term credential key (§9.2.2).
//
// Keys: short-term credentials use the password itself; long-term credentials use
// long_term_key(). Passwords and realms are used as given: OpaqueString / SASLprep
// preparation, where wanted, is the caller's.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace p2pd::proto::stun {

enum class IntegrityAlgorithm { sha1, sha256 };

// PASSWORD-ALGORITHM values (RFC 8489 §18.5).
enum class PasswordAlgorithm : std::uint16_t { md5 = 0x0001, sha256 = 0x0002 };

// MD5 (or SHA-256) of "username:realm:password". Fails only if GnuTLS refuses the
// digest (code "crypto").
Result<std::vector<std::uint8_t>> long_term_key(std::string_view username, std::string_view realm,
                                                std::string_view password,
                                                PasswordAlgorithm algorithm = PasswordAlgorithm::md5);

// The password's bytes: the short-term key.
std::vector<std::uint8_t> short_term_key(std::string_view password);

// Checks the strongest integrity attribute present (MESSAGE-INTEGRITY-SHA256, else
// MESSAGE-INTEGRITY) in `packet`, a whole message as received, and returns which one it
// was. Errors: "malformed" (the message does not parse), "integrity_missing" (neither
// attribute is present), "integrity_mismatch" (wrong key or altered message), "crypto".
Result<IntegrityAlgorithm> verify_integrity(std::span<const std::uint8_t> packet,
                                            std::span<const std::uint8_t> key);

// The same for one algorithm only (e.g. the one the request used).
Status verify_integrity(std::span<const std::uint8_t> packet, std::span<const std::uint8_t> key,
                        IntegrityAlgorithm algorithm);

// Building blocks of serialize(). `message` holds a header and whole attributes; each
// call sets the length field as the RFC asks for the value it computes, appends the
// attribute and leaves the length field covering it. append_integrity() returns false,
// appending nothing, if GnuTLS fails.
bool append_integrity(std::vector<std::uint8_t>& message, IntegrityAlgorithm algorithm,
                      std::span<const std::uint8_t> key);
void append_fingerprint(std::vector<std::uint8_t>& message);

}  // namespace p2pd::proto::stun
