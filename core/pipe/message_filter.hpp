#pragma once
// What a subscription selects: a regex searched anywhere in the message, and/or a byte
// prefix, and/or a sender pattern. Empty parts match everything. Compiled once when the
// subscription is made; a bad part is an Error that names it.
#include <cstdint>
#include <optional>
#include <string>

#include "core/pipe/address_pattern.hpp"
#include "core/pipe/message.hpp"
#include "core/pipe/regex_matcher.hpp"
#include "core/result.hpp"

namespace p2pd::pipe {

struct FilterSpec {
  std::string match;   // regex (PCRE2 syntax), searched anywhere
  std::string prefix;  // bytes the message must start with
  std::string from;    // AddressPattern text
};

class MessageFilter {
 public:
  MessageFilter() = default;  // matches everything
  static Result<MessageFilter> compile(const FilterSpec& spec, const RegexLimits& limits = {});

  // A regex that hits its limits does not match; limit_hits() counts those.
  bool matches(const Message& m) const;
  const FilterSpec& spec() const { return spec_; }
  std::uint64_t limit_hits() const { return limit_hits_; }
  bool matches_all() const { return !regex_ && spec_.prefix.empty() && from_.is_any(); }

 private:
  FilterSpec spec_;
  std::optional<RegexMatcher> regex_;
  AddressPattern from_;
  mutable std::uint64_t limit_hits_ = 0;
};

}  // namespace p2pd::pipe
