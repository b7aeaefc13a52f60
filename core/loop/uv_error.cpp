#include "core/loop/uv_error.hpp"

#include <uv.h>

#include <string>

namespace p2pd::loop {

Error uv_error(int status, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += uv_strerror(status);
  return Error{uv_err_name(status), std::move(message)};
}

Status uv_status(int status, std::string_view what) {
  if (status >= 0) return {};
  return uv_error(status, what);
}

}  // namespace p2pd::loop
