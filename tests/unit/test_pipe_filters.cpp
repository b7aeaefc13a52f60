// Sender patterns, PCRE2 regexes with limits, message filters, names.
#include <catch2/catch.hpp>

#include <string>

#include "core/pipe/address_pattern.hpp"
#include "core/pipe/message_filter.hpp"
#include "core/pipe/names.hpp"
#include "core/pipe/regex_matcher.hpp"

using namespace p2pd;
using namespace p2pd::pipe;

namespace {

net::Endpoint ep(const std::string& s) {
  auto e = net::Endpoint::parse(s);
  REQUIRE(e.ok());
  return *e;
}

bool pm(const std::string& pattern, const std::string& sender) {
  auto p = AddressPattern::parse(pattern);
  REQUIRE(p.ok());
  return p->matches(ep(sender));
}

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

Message message(const std::string& data, const std::string& from) {
  Message m;
  m.data.assign(data.begin(), data.end());
  m.from = ep(from);
  return m;
}

}  // namespace

TEST_CASE("AddressPattern: the text forms", "[pipe][pattern]") {
  CHECK(pm("", "192.0.2.7:1"));
  CHECK(pm("*", "[::1]:1"));
  CHECK(pm("192.0.2.7", "192.0.2.7:5000"));
  CHECK_FALSE(pm("192.0.2.7", "192.0.2.8:5000"));
  CHECK(pm("192.0.2.7:5000", "192.0.2.7:5000"));
  CHECK_FALSE(pm("192.0.2.7:5000", "192.0.2.7:5001"));
  CHECK(pm("*:5000", "[2001:db8::1]:5000"));
  CHECK_FALSE(pm("*:5000", "192.0.2.7:5001"));
  CHECK(pm("10.0.0.0/8", "10.200.1.2:9"));
  CHECK_FALSE(pm("10.0.0.0/8", "11.0.0.1:9"));
  CHECK(pm("10.1.2.3/31", "10.1.2.2:9"));
  CHECK_FALSE(pm("10.1.2.3/31", "10.1.2.4:9"));
  CHECK(pm("0.0.0.0/0", "203.0.113.1:1"));
  CHECK_FALSE(pm("0.0.0.0/0", "[::1]:1"));  // family must match
  CHECK(pm("2001:db8::1", "[2001:db8::1]:7"));
  CHECK(pm("[2001:db8::1]:7", "[2001:db8::1]:7"));
  CHECK_FALSE(pm("[2001:db8::1]:7", "[2001:db8::1]:8"));
  CHECK(pm("[fe80::/10]:53", "[fe80::1234]:53"));
  CHECK_FALSE(pm("[fe80::/10]:53", "[fe80::1234]:54"));
  CHECK(pm("192.0.2.7,5000", "192.0.2.7:5000"));  // P2PD addr_p
  CHECK(pm("192.0.2.7,0", "192.0.2.7:1234"));
  CHECK_FALSE(pm("192.0.2.7,5000", "192.0.2.7:5001"));
  CHECK(pm("::1,0", "[::1]:99"));
}

TEST_CASE("AddressPattern: bad patterns are errors, to_string round-trips", "[pipe][pattern]") {
  for (std::string bad : {"300.1.1.1", "1.2.3.4:99999", "1.2.3.4:x", "[::1", "[::1]x", "1.2.3.4/33", "::/129",
                          "10.0.0.0/", "host.example", "1.2.3.4,", "[::1]:"}) {
    INFO(bad);
    auto p = AddressPattern::parse(bad);
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().code == "bad_request");
  }
  for (std::string good : {"*", "192.0.2.7", "192.0.2.7:5000", "*:5000", "10.0.0.0/8", "[2001:db8::/32]:53", "::1"}) {
    auto p = AddressPattern::parse(good);
    REQUIRE(p.ok());
    CHECK(p->to_string() == good);
  }
}

TEST_CASE("RegexMatcher: searched anywhere, binary-safe, bad patterns named", "[pipe][regex]") {
  auto re = RegexMatcher::compile("wor.d");
  REQUIRE(re.ok());
  CHECK(re->search(bytes("hello world!")) == MatchResult::match);
  CHECK(re->search(bytes("hello")) == MatchResult::no_match);
  CHECK(re->search({}) == MatchResult::no_match);
  auto nul = RegexMatcher::compile("a\\x00b");
  REQUIRE(nul.ok());
  CHECK(nul->search(bytes(std::string("xa\0b", 4))) == MatchResult::match);
  auto anchored = RegexMatcher::compile("^ab$");
  REQUIRE(anchored.ok());
  CHECK(anchored->search(bytes("ab")) == MatchResult::match);
  CHECK(anchored->search(bytes("cab")) == MatchResult::no_match);
  auto empty = RegexMatcher::compile("^$");
  REQUIRE(empty.ok());
  CHECK(empty->search({}) == MatchResult::match);

  auto bad = RegexMatcher::compile("a(b");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == "bad_request");
  CHECK(bad.error().message.find("offset 3") != std::string::npos);
  auto too_long = RegexMatcher::compile(std::string(2000, 'a'));
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.error().message.find("too long") != std::string::npos);
  auto deep = RegexMatcher::compile(std::string(100, '(') + "a" + std::string(100, ')'));
  CHECK_FALSE(deep.ok());
}

TEST_CASE("RegexMatcher: catastrophic backtracking hits the limit quickly", "[pipe][regex]") {
  auto re = RegexMatcher::compile("^(a+)+$");
  REQUIRE(re.ok());
  std::string subject(40, 'a');
  subject += "b";
  CHECK(re->search(bytes(subject)) == MatchResult::limit);
  auto copy = *re;  // copies share the compiled code
  CHECK(copy.search(bytes("aaa")) == MatchResult::match);
}

TEST_CASE("MessageFilter: regex, prefix and sender together", "[pipe][filter]") {
  MessageFilter all;
  CHECK(all.matches_all());
  CHECK(all.matches(message("x", "1.2.3.4:5")));

  auto f = MessageFilter::compile({"id=[0-9]+", "MSG", "192.0.2.0/24"});
  REQUIRE(f.ok());
  CHECK_FALSE(f->matches_all());
  CHECK(f->matches(message("MSG id=42", "192.0.2.9:1")));
  CHECK_FALSE(f->matches(message("MSG id=x", "192.0.2.9:1")));   // regex
  CHECK_FALSE(f->matches(message("msg id=42", "192.0.2.9:1")));  // prefix is case-sensitive
  CHECK_FALSE(f->matches(message("MS", "192.0.2.9:1")));         // shorter than the prefix
  CHECK_FALSE(f->matches(message("MSG id=42", "192.0.3.9:1")));  // sender

  auto limited = MessageFilter::compile({"^(a+)+$", "", ""});
  REQUIRE(limited.ok());
  CHECK_FALSE(limited->matches(message(std::string(40, 'a') + "b", "1.2.3.4:5")));
  CHECK(limited->limit_hits() == 1);

  auto bad_regex = MessageFilter::compile({"(", "", ""});
  CHECK_FALSE(bad_regex.ok());
  auto bad_from = MessageFilter::compile({"", "", "nope"});
  REQUIRE_FALSE(bad_from.ok());
  CHECK(bad_from.error().message.find("nope") != std::string::npos);
}

TEST_CASE("names: [A-Za-z0-9_.-]{1,64}", "[pipe][names]") {
  CHECK(valid_name("a"));
  CHECK(valid_name("srv.1"));
  CHECK(valid_name("A-b_c.9"));
  CHECK(valid_name(std::string(64, 'x')));
  CHECK_FALSE(valid_name(std::string(65, 'x')));
  CHECK_FALSE(valid_name(""));
  CHECK_FALSE(valid_name("a b"));
  CHECK_FALSE(valid_name("a/b"));
  CHECK_FALSE(valid_name("a%2f"));
  CHECK_FALSE(valid_name(std::string("a\0b", 3)));
}
