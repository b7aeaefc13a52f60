#include "core/portmap/discovery_failure.hpp"

#include <string>

namespace p2pd::portmap {

void DiscoveryFailure::after_job(std::optional<Error> discovery_failed, bool igd_known, std::uint64_t now_ms) {
  if (discovery_failed) {
    failed_ = std::move(discovery_failed);
    failed_ms_ = now_ms;
  } else if (igd_known) {
    failed_.reset();
  }
}

std::optional<Error> DiscoveryFailure::recall(std::uint64_t now_ms) const {
  if (!failed_) return std::nullopt;
  const std::uint64_t age = now_ms - failed_ms_;
  if (age >= hold_ms_) return std::nullopt;
  Error e = *failed_;
  const std::string when = age < 1000 ? std::string("just now") : std::to_string(age / 1000) + " s ago";
  e.message += " (" + when + "; not searched again for " + std::to_string(hold_ms_ / 1000) + " s)";
  return e;
}

}  // namespace p2pd::portmap
