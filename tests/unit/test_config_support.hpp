#pragma once
// Helpers shared by the [config] unit tests.
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace p2pd::config::test {

// Every error as "path: message", one per line, for INFO() output.
inline std::string all_errors(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.to_string() + "\n";
  return out;
}

// True when some error has exactly `path` and a message containing `fragment`.
inline bool has_error(const LoadResult& r, std::string_view path, std::string_view fragment = "") {
  for (const auto& e : r.errors) {
    if (e.path == path && e.message.find(fragment) != std::string::npos) return true;
  }
  return false;
}

}  // namespace p2pd::config::test
