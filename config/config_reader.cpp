// Typed, path-reporting reads from the merged config JSON.
#include "config/config_reader.hpp"

#include <algorithm>

namespace p2pd::config::detail {

using nlohmann::json;

std::string join_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string index_path(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

void Reader::error(std::string path, std::string message) {
  errors_.push_back(ConfigError{std::move(path), std::move(message)});
}

bool Reader::object(const json& j, const std::string& path,
                    std::initializer_list<std::string_view> known) {
  if (!j.is_object()) {
    error(path, "expected an object");
    return false;
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (std::find(known.begin(), known.end(), it.key()) == known.end()) {
      error(join_path(path, it.key()), "unknown key");
    }
  }
  return true;
}

const json* Reader::member(const json& obj, const std::string& path, std::string_view key,
                           bool required) {
  auto it = obj.find(key);
  if (it != obj.end()) return &*it;
  if (required) error(join_path(path, key), "missing");
  return nullptr;
}

void Reader::boolean(const json& obj, const std::string& path, std::string_view key, bool& out) {
  const json* j = member(obj, path, key);
  if (!j) return;
  if (!j->is_boolean()) return error(join_path(path, key), "expected true or false");
  out = j->get<bool>();
}

void Reader::integer(const json& obj, const std::string& path, std::string_view key, int& out,
                     int min, int max, bool required) {
  const json* j = member(obj, path, key, required);
  if (!j) return;
  auto at = join_path(path, key);
  if (!j->is_number_integer()) return error(at, "expected an integer");
  bool in_range = false;
  if (j->is_number_unsigned()) {
    auto u = j->get<std::uint64_t>();
    in_range = max >= 0 && u <= static_cast<std::uint64_t>(max) &&
               static_cast<std::int64_t>(u) >= min;
  } else {
    auto v = j->get<std::int64_t>();
    in_range = v >= min && v <= max;
  }
  if (!in_range) {
    return error(at, "must be " + std::to_string(min) + "-" + std::to_string(max) + ", not " +
                         j->dump());
  }
  out = static_cast<int>(j->get<std::int64_t>());
}

void Reader::unsigned64(const json& obj, const std::string& path, std::string_view key,
                        std::uint64_t& out, std::uint64_t min) {
  const json* j = member(obj, path, key);
  if (!j) return;
  auto at = join_path(path, key);
  if (!j->is_number_unsigned()) return error(at, "expected an unsigned integer");
  if (j->get<std::uint64_t>() < min) {
    return error(at, "must be at least " + std::to_string(min) + ", not " + j->dump());
  }
  out = j->get<std::uint64_t>();
}

void Reader::string(const json& obj, const std::string& path, std::string_view key,
                    std::string& out, const StringCheck& check, bool required) {
  const json* j = member(obj, path, key, required);
  if (!j) return;
  auto at = join_path(path, key);
  if (!j->is_string()) return error(at, "expected a string");
  auto value = j->get<std::string>();
  if (check) {
    if (auto problem = check(value)) return error(at, *problem);
  }
  out = std::move(value);
}

void Reader::string_list(const json& obj, const std::string& path, std::string_view key,
                         std::vector<std::string>& out, const StringCheck& check) {
  const json* j = member(obj, path, key);
  if (!j) return;
  auto at = join_path(path, key);
  if (!j->is_array()) return error(at, "expected an array of strings");
  std::vector<std::string> values;
  bool ok = true;
  for (std::size_t i = 0; i < j->size(); ++i) {
    const json& item = (*j)[i];
    if (!item.is_string()) {
      error(index_path(at, i), "expected a string");
      ok = false;
      continue;
    }
    auto value = item.get<std::string>();
    if (check) {
      if (auto problem = check(value)) {
        error(index_path(at, i), *problem);
        ok = false;
        continue;
      }
    }
    values.push_back(std::move(value));
  }
  if (ok) out = std::move(values);
}

}  // namespace p2pd::config::detail
