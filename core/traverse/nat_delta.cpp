#include "core/traverse/nat_delta.hpp"

#include <optional>

namespace p2pd::traverse {

Delta classify_delta(std::span<const PortPair> pairs) {
  if (pairs.size() < 3) return {};
  bool equal = true, preserving = true;
  const int offset = int{pairs[0].mapped} - int{pairs[0].local};
  for (const auto& p : pairs) {
    equal = equal && p.mapped == p.local;
    preserving = preserving && int{p.mapped} - int{p.local} == offset;
  }
  if (equal) return {DeltaType::equal, 0};
  if (preserving) return {DeltaType::preserving, offset};
  // Steps between consecutive probes.
  std::optional<int> all, stepped;
  bool all_same = true, stepped_same = true, any_jump = false, any_step = false;
  for (std::size_t i = 1; i < pairs.size(); ++i) {
    const int d = int{pairs[i].mapped} - int{pairs[i - 1].mapped};
    if (!all) all = d;
    else if (*all != d) all_same = false;
    if (int{pairs[i].local} - int{pairs[i - 1].local} == 1) {
      any_step = true;
      if (!stepped) stepped = d;
      else if (*stepped != d) stepped_same = false;
    } else {
      any_jump = true;
    }
  }
  if (all_same && *all != 0) return {DeltaType::independent, *all};
  // Dependent needs two local +1 steps with one delta, and a jump that broke it.
  std::size_t steps = 0;
  for (std::size_t i = 1; i < pairs.size(); ++i)
    if (int{pairs[i].local} - int{pairs[i - 1].local} == 1) ++steps;
  if (any_step && any_jump && stepped_same && steps >= 2 && *stepped != 0) return {DeltaType::dependent, *stepped};
  return {DeltaType::random, 0};
}

}  // namespace p2pd::traverse
