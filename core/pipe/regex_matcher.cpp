#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/pipe/regex_matcher.hpp"

#include <pcre2.h>

namespace p2pd::pipe {

struct RegexMatcher::Compiled {
  pcre2_code* code = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_match_data* data = nullptr;
  ~Compiled() {
    if (data) pcre2_match_data_free(data);
    if (context) pcre2_match_context_free(context);
    if (code) pcre2_code_free(code);
  }
};

namespace {

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  int n = pcre2_get_error_message(code, buffer, sizeof buffer);
  if (n < 0) return "error " + std::to_string(code);
  return std::string(reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(n));
}

}  // namespace

Result<RegexMatcher> RegexMatcher::compile(std::string_view pattern, const RegexLimits& limits) {
  if (pattern.size() > limits.max_pattern)
    return Error{"bad_request", "regex too long: " + std::to_string(pattern.size()) + " bytes (max " +
                                    std::to_string(limits.max_pattern) + ")"};
  auto compiled = std::make_shared<Compiled>();
  pcre2_compile_context* cctx = pcre2_compile_context_create(nullptr);
  if (cctx == nullptr) return Error{"internal", "regex: out of memory"};
  pcre2_set_max_pattern_length(cctx, limits.max_pattern);
  // Nested parentheses are limited too (compile-time recursion).
  pcre2_set_parens_nest_limit(cctx, 64);
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  compiled->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                 PCRE2_NEVER_UTF | PCRE2_NEVER_UCP | PCRE2_NEVER_BACKSLASH_C, &error_code,
                                 &error_offset, cctx);
  pcre2_compile_context_free(cctx);
  if (compiled->code == nullptr)
    return Error{"bad_request", "regex does not compile at offset " + std::to_string(error_offset) + ": " +
                                    pcre2_message(error_code)};
  compiled->context = pcre2_match_context_create(nullptr);
  compiled->data = pcre2_match_data_create(1, nullptr);
  if (compiled->context == nullptr || compiled->data == nullptr) return Error{"internal", "regex: out of memory"};
  pcre2_set_match_limit(compiled->context, limits.match_limit);
  pcre2_set_depth_limit(compiled->context, limits.depth_limit);
  pcre2_set_heap_limit(compiled->context, limits.heap_limit_kib);
  RegexMatcher out;
  out.compiled_ = std::move(compiled);
  out.pattern_ = std::string(pattern);
  return out;
}

MatchResult RegexMatcher::search(std::span<const std::uint8_t> subject) const {
  if (!compiled_) return MatchResult::no_match;
  static const std::uint8_t empty = 0;
  const std::uint8_t* start = subject.empty() ? &empty : subject.data();
  int rc = pcre2_match(compiled_->code, reinterpret_cast<PCRE2_SPTR>(start), subject.size(), 0, 0,
                       compiled_->data, compiled_->context);
  if (rc >= 0) return MatchResult::match;
  if (rc == PCRE2_ERROR_NOMATCH) return MatchResult::no_match;
  return MatchResult::limit;  // match/depth/heap limit, or another matching error
}

}  // namespace p2pd::pipe
