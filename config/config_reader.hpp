#pragma once
// Typed access to a JSON tree that records every problem with its path instead of
// stopping at the first. Internal to config/.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"

namespace p2pd::config::detail {

std::string join_path(const std::string& path, std::string_view key);  // "api" + "listen"
std::string index_path(const std::string& path, std::size_t i);       // "api.listen[1]"

// Returns a message when `value` is not acceptable, nullopt when it is.
using StringCheck = std::function<std::optional<std::string>(const std::string& value)>;

class Reader {
 public:
  explicit Reader(std::vector<ConfigError>& errors) : errors_(errors) {}

  void error(std::string path, std::string message);

  // True when `j` is an object; every key not in `known` is reported as unknown.
  bool object(const nlohmann::json& j, const std::string& path,
              std::initializer_list<std::string_view> known);

  // The member `key` of object `obj` at `path`, or nullptr (reported when `required`).
  const nlohmann::json* member(const nlohmann::json& obj, const std::string& path,
                               std::string_view key, bool required = true);

  // Each reads `obj[key]` into `out` when present and valid, else reports and leaves
  // `out` alone. A missing key is reported unless `required` is false.
  void boolean(const nlohmann::json& obj, const std::string& path, std::string_view key,
               bool& out);
  void integer(const nlohmann::json& obj, const std::string& path, std::string_view key,
               int& out, int min, int max, bool required = true);
  void unsigned64(const nlohmann::json& obj, const std::string& path, std::string_view key,
                  std::uint64_t& out, std::uint64_t min);
  void string(const nlohmann::json& obj, const std::string& path, std::string_view key,
              std::string& out, const StringCheck& check = {}, bool required = true);
  void string_list(const nlohmann::json& obj, const std::string& path, std::string_view key,
                   std::vector<std::string>& out, const StringCheck& check = {});

 private:
  std::vector<ConfigError>& errors_;
};

}  // namespace p2pd::config::detail
