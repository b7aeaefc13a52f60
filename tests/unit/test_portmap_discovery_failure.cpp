// DiscoveryFailure: a failed IGD discovery is recalled for hold_ms, then forgotten; an
// IGD found forgets it at once.
#include <catch2/catch.hpp>

#include "core/portmap/discovery_failure.hpp"

using p2pd::Error;
using p2pd::portmap::DiscoveryFailure;

TEST_CASE("DiscoveryFailure: recalled while young, with its age, then forgotten", "[portmap]") {
  DiscoveryFailure f(30000);
  CHECK_FALSE(f.recall(0));
  f.after_job(Error{"timeout", "UPnP: no IGD answered"}, false, 1000);
  auto now = f.recall(1500);
  REQUIRE(now);
  CHECK(now->code == "timeout");
  CHECK(now->message == "UPnP: no IGD answered (just now; not searched again for 30 s)");
  auto later = f.recall(13999);
  REQUIRE(later);
  CHECK(later->message == "UPnP: no IGD answered (12 s ago; not searched again for 30 s)");
  CHECK_FALSE(f.recall(31000));
  REQUIRE(f.last());  // still what the status shows, whatever its age
  CHECK(f.last()->message == "UPnP: no IGD answered");
}

TEST_CASE("DiscoveryFailure: a job that leaves an IGD known forgets it, one that does not keeps it", "[portmap]") {
  DiscoveryFailure f(30000);
  f.after_job(Error{"timeout", "none"}, false, 0);
  f.after_job(std::nullopt, false, 100);  // e.g. a job that failed without discovering
  CHECK(f.recall(200));
  f.after_job(std::nullopt, true, 300);
  CHECK_FALSE(f.recall(400));
  CHECK_FALSE(f.last());
}
