#pragma once
// JSON text handling for the config: parsing with readable syntax errors, and the
// overlay merge. Internal to config/ (and its tests).
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.hpp"

namespace p2pd::config::detail {

// Parses `text`. A syntax error is an Error ("malformed") whose message names the
// source, line and column: "p2pd.json:3:14: syntax error while parsing ...".
Result<nlohmann::json> parse_json(std::string_view text, std::string_view source);

// Merges `overlay` into `base`: objects merge key by key, recursively; anything else
// (arrays, scalars, null, a type change) replaces the value in `base`.
void merge_overlay(nlohmann::json& base, const nlohmann::json& overlay);

}  // namespace p2pd::config::detail
