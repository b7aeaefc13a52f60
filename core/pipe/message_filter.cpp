#include "core/pipe/message_filter.hpp"

#include <algorithm>

namespace p2pd::pipe {

Result<MessageFilter> MessageFilter::compile(const FilterSpec& spec, const RegexLimits& limits) {
  MessageFilter out;
  out.spec_ = spec;
  if (!spec.match.empty()) {
    auto re = RegexMatcher::compile(spec.match, limits);
    if (!re.ok()) return re.error();
    out.regex_ = std::move(*re);
  }
  auto from = AddressPattern::parse(spec.from);
  if (!from.ok()) return from.error();
  out.from_ = *from;
  return out;
}

bool MessageFilter::matches(const Message& m) const {
  if (!from_.matches(m.from)) return false;
  if (!spec_.prefix.empty()) {
    if (m.data.size() < spec_.prefix.size()) return false;
    if (!std::equal(spec_.prefix.begin(), spec_.prefix.end(), m.data.begin(),
                    [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; }))
      return false;
  }
  if (regex_) {
    auto r = regex_->search(m.data);
    if (r == MatchResult::limit) ++limit_hits_;
    return r == MatchResult::match;
  }
  return true;
}

}  // namespace p2pd::pipe
