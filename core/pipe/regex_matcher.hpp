#pragma once
// A regular expression from a REST client, compiled once with PCRE2 and matched with
// hard limits, because the pattern may be hostile: std::regex recurses on the loop
// thread's stack and backtracks without bound. Here the match limit, the backtracking
// depth limit and the heap limit bound the work of one match; hitting one counts as
// "no match" (and is counted). Patterns are byte-oriented (no UTF mode): messages are
// binary. A pattern that does not compile is an Error naming the offset and the reason.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace p2pd::pipe {

struct RegexLimits {
  std::uint32_t match_limit = 200000;  // internal match() calls per search
  std::uint32_t depth_limit = 2000;    // backtracking depth
  std::uint32_t heap_limit_kib = 4096; // backtracking memory
  std::size_t max_pattern = 1024;      // pattern length in bytes
};

enum class MatchResult { match, no_match, limit };

class RegexMatcher {
 public:
  static Result<RegexMatcher> compile(std::string_view pattern, const RegexLimits& limits = {});

  // Searches anywhere in `subject`.
  MatchResult search(std::span<const std::uint8_t> subject) const;
  const std::string& pattern() const { return pattern_; }

 private:
  struct Compiled;
  std::shared_ptr<Compiled> compiled_;  // shared by copies; loop thread only
  std::string pattern_;
};

}  // namespace p2pd::pipe
