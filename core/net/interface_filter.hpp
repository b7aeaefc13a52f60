#pragma once
// node.interfaces.include / exclude: shell glob patterns (fnmatch) on interface names.
#include <string>
#include <string_view>
#include <vector>

#include "core/net/interfaces.hpp"

namespace p2pd::net {

struct InterfaceFilter {
  std::vector<std::string> include;  // empty: every interface
  std::vector<std::string> exclude;  // applied after include

  // A name passes when it matches some include pattern (or include is empty) and no
  // exclude pattern. "eth*", "wlp?s0", "veth[0-9]*".
  bool allows(std::string_view name) const;
};

// The snapshot without the interfaces the filter rejects. A family's default route
// whose interface is rejected is dropped too: the daemon does not use it.
Snapshot apply_filter(const InterfaceFilter& filter, Snapshot snapshot);

}  // namespace p2pd::net
