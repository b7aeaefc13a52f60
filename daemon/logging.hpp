#pragma once
#include <string>

namespace p2pd::daemon {

// stderr with colours on a terminal; the journal (with priorities) when stderr is
// connected to journald ($JOURNAL_STREAM matches stderr).
void setup_logging(const std::string& level);

// Applies a new level at once (SIGHUP reload). Unknown names are ignored.
void set_log_level(const std::string& level);

}  // namespace p2pd::daemon
