// Parsing config JSON with line/column errors, and merging an overlay over defaults.
#include "config/config_json.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace p2pd::config::detail {
namespace {

// nlohmann's messages look like "[json.exception.parse_error.101] parse error at line 3,
// column 14: syntax error while parsing ...": keep the part after the position.
std::string describe(const std::string& what) {
  auto column = what.find("column ");
  auto colon = column == std::string::npos ? std::string::npos : what.find(": ", column);
  if (colon != std::string::npos) return what.substr(colon + 2);
  auto bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

// 1-based line and column of the byte before `byte` (nlohmann's position is 1-based and
// points just past the offending character).
std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t byte) {
  std::size_t end = byte == 0 ? 0 : std::min(byte - 1, text.size());
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

}  // namespace

Result<nlohmann::json> parse_json(std::string_view text, std::string_view source) {
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    auto [line, column] = line_column(text, e.byte);
    return make_error("malformed", std::string(source) + ":" + std::to_string(line) + ":" +
                                       std::to_string(column) + ": " + describe(e.what()));
  } catch (const std::exception& e) {
    return make_error("malformed", std::string(source) + ": " + e.what());
  }
}

void merge_overlay(nlohmann::json& base, const nlohmann::json& overlay) {
  if (!base.is_object() || !overlay.is_object()) {
    base = overlay;
    return;
  }
  for (auto it = overlay.begin(); it != overlay.end(); ++it) {
    auto found = base.find(it.key());
    if (found == base.end()) {
      base[it.key()] = it.value();
    } else {
      merge_overlay(*found, it.value());
    }
  }
}

}  // namespace p2pd::config::detail
