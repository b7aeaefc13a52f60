#pragma once
// The config's pipes section as the pipe manager's limits (core never sees config/).
#include "config/config.hpp"
#include "core/pipe/pipe_limits.hpp"

namespace p2pd::daemon {

pipe::PipeLimits pipe_limits(const config::Pipes& pipes);

}  // namespace p2pd::daemon
