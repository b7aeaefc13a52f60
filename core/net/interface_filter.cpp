#include "core/net/interface_filter.hpp"

#include <fnmatch.h>

#include <algorithm>

namespace p2pd::net {
namespace {

bool any_match(const std::vector<std::string>& patterns, const std::string& name) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return ::fnmatch(p.c_str(), name.c_str(), 0) == 0; });
}

}  // namespace

bool InterfaceFilter::allows(std::string_view name) const {
  std::string n(name);
  if (!include.empty() && !any_match(include, n)) return false;
  return !any_match(exclude, n);
}

Snapshot apply_filter(const InterfaceFilter& filter, Snapshot snapshot) {
  auto& ifs = snapshot.interfaces;
  ifs.erase(std::remove_if(ifs.begin(), ifs.end(), [&](const Interface& i) { return !filter.allows(i.name); }),
            ifs.end());
  for (auto* route : {&snapshot.default_v4, &snapshot.default_v6}) {
    if (*route && !snapshot.find((*route)->index)) route->reset();
  }
  return snapshot;
}

}  // namespace p2pd::net
