#pragma once
// The text form of identity.key: the line "p2pd-ed25519-v1", then the 32-byte seed in
// 64 lowercase hex characters, each line ending in '\n'.
#include <optional>
#include <string>

#include "core/peer/identity.hpp"
#include "core/result.hpp"

namespace p2pd::peer {

std::string encode_identity_file(const Identity& id);

// Strict: anything but the exact form above is an error naming what is wrong, so that
// file is corrupt the message says how.
Result<Identity> decode_identity_file(const std::string& text);

}  // namespace p2pd::peer
