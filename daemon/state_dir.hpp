#pragma once
// The state directory (docs/API.md): where it is, creating it 0700, the API token,
// and small files written atomically.
#include <string>

#include "core/result.hpp"

namespace p2pd::daemon {

// --state-dir, else $STATE_DIRECTORY (first path), else /var/lib/p2pd for root, else
// $XDG_STATE_HOME/p2pd (default ~/.local/state/p2pd).
std::string resolve_state_dir(const std::string& flag_value);

// The default for this user when nothing is given (what the CLI looks in).
std::string default_state_dir();

// Creates the directory (and missing parents) with mode 0700 for the last component.
Status ensure_private_dir(const std::string& dir);

// <dir>/api.token: 32 random bytes in hex, created once with O_EXCL mode 0600 and
// reused. A token file that is not 64 hex characters is an error, never replaced.
Result<std::string> load_or_create_token(const std::string& dir);

// Reads a token file without creating it (the CLI).
Result<std::string> read_token(const std::string& dir);

// Writes `content` to path via a temporary file and rename(2), with `mode`.
Status write_file_atomically(const std::string& path, const std::string& content, unsigned mode);

// Where a relative unix socket path lives: $RUNTIME_DIRECTORY (first path) if set,
// else the state directory.
std::string runtime_dir_or(const std::string& state_dir);

}  // namespace p2pd::daemon
