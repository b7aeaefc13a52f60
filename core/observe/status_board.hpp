#pragma once
// Readiness of each subsystem for /v1/status and `p2pd status`: starting, ready,
// degraded or off, with a reason a person can act on. Loop thread only.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace p2pd::observe {

enum class Readiness { starting, ready, degraded, off };

std::string_view readiness_name(Readiness r);

class StatusBoard {
 public:
  // now_ms is the caller's clock (the loop's), recorded as the time of the change.
  void set(const std::string& subsystem, Readiness state, std::string reason, std::uint64_t now_ms);
  Readiness get(const std::string& subsystem) const;

  // {"api": {"state":"ready","reason":"...","since_ms":N}, ...}
  nlohmann::json to_json() const;

 private:
  struct Entry {
    Readiness state = Readiness::off;
    std::string reason;
    std::uint64_t since_ms = 0;
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace p2pd::observe
