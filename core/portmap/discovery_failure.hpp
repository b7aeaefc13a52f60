#pragma once
// The last IGD discovery that found nothing, remembered for a while: jobs in that time
// fail at once with its error instead of each waiting out a discovery of its own
// (UpnpMapper for IPv4 mappings, PinholeKeeper for IPv6 pinholes).
#include <cstdint>
#include <optional>

#include "core/result.hpp"

namespace p2pd::portmap {

// A job's error that says the IGD could not be reached at all: it is forgotten and
// discovered again next time.
inline bool igd_unreachable(const Error& e) { return e.code == "timeout" || e.code == "unsupported"; }

class DiscoveryFailure {
 public:
  explicit DiscoveryFailure(std::uint64_t hold_ms) : hold_ms_(hold_ms) {}

  // After a job ran: a discovery that failed is remembered from `now_ms`; a job that
  // left an IGD known forgets the failure.
  void after_job(std::optional<Error> discovery_failed, bool igd_known, std::uint64_t now_ms);
  // The remembered error while younger than hold_ms, saying when it happened and how
  // long no search is made; nullopt when there is none or it is too old.
  std::optional<Error> recall(std::uint64_t now_ms) const;
  // The last failure's error as it came, whatever its age.
  const std::optional<Error>& last() const { return failed_; }

 private:
  std::uint64_t hold_ms_;
  std::optional<Error> failed_;
  std::uint64_t failed_ms_ = 0;
};

}  // namespace p2pd::portmap
