#pragma once
// libuv status codes as project Errors: code is libuv's name ("EADDRINUSE"),
// message is "<what>: <libuv's text>".
#include <string_view>

#include "core/result.hpp"

namespace p2pd::loop {

Error uv_error(int status, std::string_view what);

// Status from a libuv return value: ok when status >= 0.
Status uv_status(int status, std::string_view what);

}  // namespace p2pd::loop
