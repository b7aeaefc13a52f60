#pragma once
// Where a server listens: its interfaces x families, plus explicit addresses, expanded
// against a snapshot of the machine's interfaces (pure: unit-tested with made-up
// snapshots).
//   interfaces ["eth0", "lo"]   every usable address of the requested families on
//                               them, IPv6 link-local included (with its scope id);
//                               tentative and duplicate (DAD-failed) addresses skipped
//   interfaces ["*"]            every interface that is up and running
//   addresses ["192.0.2.1", "fe80::1%eth0", "0.0.0.0"]   exactly these
//   neither                     the loopback address of each requested family
#include <string>
#include <vector>

#include "core/net/interfaces.hpp"
#include "core/result.hpp"

namespace p2pd::pipe {

struct BindTarget {
  net::IpAddress address;
  std::string interface;  // the interface it came from ("" for explicit addresses)
  bool optional = false;  // a default loopback address: skipped if its family is off
  friend bool operator==(const BindTarget&, const BindTarget&) = default;
};

struct ListenPlanSpec {
  std::vector<std::string> interfaces;
  std::vector<std::string> addresses;
  bool v4 = true;
  bool v6 = true;
};

// Errors: "bad_request" (a bad address, no family), "no_such_interface", "not_found"
// (nothing to listen on).
Result<std::vector<BindTarget>> plan_binds(const ListenPlanSpec& spec, const net::Snapshot& snapshot);

}  // namespace p2pd::pipe
