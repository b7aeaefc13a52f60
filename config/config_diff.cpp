// Which settings differ between two configs, and which of them SIGHUP can apply live.
#include <algorithm>
#include <array>

#include "config/config.hpp"
#include "config/config_convert.hpp"
#include "config/config_reader.hpp"

namespace p2pd::config {
namespace {

using nlohmann::json;

void diff(const json& a, const json& b, const std::string& path, std::vector<std::string>& out) {
  if (!a.is_object() || !b.is_object()) {
    if (a != b) out.push_back(path);
    return;
  }
  for (auto it = a.begin(); it != a.end(); ++it) {
    auto other = b.find(it.key());
    if (other == b.end()) {
      out.push_back(detail::join_path(path, it.key()));
    } else {
      diff(it.value(), *other, detail::join_path(path, it.key()), out);
    }
  }
  for (auto it = b.begin(); it != b.end(); ++it) {
    if (!a.contains(it.key())) out.push_back(detail::join_path(path, it.key()));
  }
}

}  // namespace

std::vector<std::string> changed_paths(const Config& before, const Config& after) {
  std::vector<std::string> out;
  try {
    diff(detail::to_json(before), detail::to_json(after), "", out);
  } catch (const std::exception&) {
    out.push_back("");  // cannot tell: treat as "everything changed"
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool applies_without_restart(std::string_view path) {
  static constexpr std::array<std::string_view, 6> live = {
      "log.level", "stun.servers", "turn.servers", "turn.lifetime_s", "turn.timeout_ms", "signaling.mqtt.brokers"};
  return std::find(live.begin(), live.end(), path) != live.end();
}

}  // namespace p2pd::config
