// Deframer and frame(): raw, newline-delimited and 2-byte length framing on a byte
// stream cut at every possible place, oversize lines, truncated frames.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/pipe/framing.hpp"

using namespace p2pd::pipe;

namespace {

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct Collect {
  std::vector<std::string> out;
  Deframer::Emit emit() {
    return [this](std::span<const std::uint8_t> m) { out.emplace_back(m.begin(), m.end()); };
  }
};

std::string framed(Framing f, const std::string& m) {
  auto r = frame(f, bytes(m));
  REQUIRE(r.ok());
  return std::string(r->begin(), r->end());
}

}  // namespace

TEST_CASE("framing names parse and print", "[pipe][framing]") {
  CHECK(parse_framing("raw") == Framing::raw);
  CHECK(parse_framing("") == Framing::raw);
  CHECK(parse_framing("line") == Framing::line);
  CHECK(parse_framing("len16") == Framing::len16);
  CHECK_FALSE(parse_framing("LINE").has_value());
  CHECK_FALSE(parse_framing("len32").has_value());
  for (auto f : {Framing::raw, Framing::line, Framing::len16}) CHECK(parse_framing(framing_name(f)) == f);
}

TEST_CASE("raw framing: a message is what one read returned", "[pipe][framing]") {
  Deframer d(Framing::raw);
  Collect c;
  d.feed(bytes("ab"), c.emit());
  d.feed(bytes(""), c.emit());
  d.feed(bytes("c\nd"), c.emit());
  d.finish(c.emit());
  CHECK(c.out == std::vector<std::string>{"ab", "c\nd"});
  CHECK(framed(Framing::raw, "x\n") == "x\n");
}

TEST_CASE("line framing: split anywhere gives the same lines, CRLF and empty lines", "[pipe][framing]") {
  const std::string stream = "hello\r\nworld\n\nlast";
  for (std::size_t cut1 = 0; cut1 <= stream.size(); ++cut1) {
    for (std::size_t cut2 = cut1; cut2 <= stream.size(); ++cut2) {
      Deframer d(Framing::line);
      Collect c;
      d.feed(bytes(stream.substr(0, cut1)), c.emit());
      d.feed(bytes(stream.substr(cut1, cut2 - cut1)), c.emit());
      d.feed(bytes(stream.substr(cut2)), c.emit());
      CHECK(c.out == std::vector<std::string>{"hello", "world", ""});
      CHECK(d.buffered() == 4);
      d.finish(c.emit());
      CHECK(c.out.back() == "last");
      CHECK(d.buffered() == 0);
      CHECK(d.truncated() == 0);
    }
  }
  CHECK(framed(Framing::line, "abc") == "abc\n");
}

TEST_CASE("line framing: a line longer than max_message is cut there", "[pipe][framing]") {
  SECTION("in one read") {
    Deframer d(Framing::line, 4);
    Collect c;
    d.feed(bytes("abcdefghij\nxy\n"), c.emit());
    CHECK(c.out == std::vector<std::string>{"abcd", "efgh", "ij", "xy"});
    CHECK(d.oversize() == 2);
  }
  SECTION("a line of exactly max_message is not cut") {
    Deframer d(Framing::line, 4);
    Collect c;
    d.feed(bytes("ab"), c.emit());
    d.feed(bytes("cd"), c.emit());
    d.feed(bytes("\n"), c.emit());
    CHECK(c.out == std::vector<std::string>{"abcd"});
    CHECK(d.oversize() == 0);
  }
  SECTION("across reads, never buffering more than max_message") {
    Deframer d(Framing::line, 4);
    Collect c;
    for (char ch : std::string("0123456789")) {
      d.feed(bytes(std::string(1, ch)), c.emit());
      CHECK(d.buffered() <= 4);
    }
    d.feed(bytes("\n"), c.emit());
    CHECK(c.out == std::vector<std::string>{"0123", "4567", "89"});
  }
  SECTION("a peer that never sends a newline cannot grow the buffer") {
    Deframer d(Framing::line, 1000);
    Collect c;
    std::string chunk(4096, 'x');
    for (int i = 0; i < 100; ++i) d.feed(bytes(chunk), c.emit());
    CHECK(d.buffered() <= 1000);
    CHECK(c.out.size() == 409);
    for (const auto& m : c.out) CHECK(m.size() == 1000);
  }
}

TEST_CASE("len16 framing: frames split anywhere, empty frames, binary", "[pipe][framing]") {
  std::string binary("\x00\n\xff\r", 4);
  std::string stream = framed(Framing::len16, "one") + framed(Framing::len16, "") + framed(Framing::len16, binary) +
                       framed(Framing::len16, std::string(300, 'z'));
  CHECK(stream.substr(0, 5) == std::string("\x00\x03one", 5));
  for (std::size_t cut1 = 0; cut1 <= stream.size(); cut1 += 3) {
    for (std::size_t cut2 = cut1; cut2 <= stream.size(); cut2 += 7) {
      Deframer d(Framing::len16);
      Collect c;
      d.feed(bytes(stream.substr(0, cut1)), c.emit());
      d.feed(bytes(stream.substr(cut1, cut2 - cut1)), c.emit());
      d.feed(bytes(stream.substr(cut2)), c.emit());
      REQUIRE(c.out.size() == 4);
      CHECK(c.out[0] == "one");
      CHECK(c.out[1].empty());
      CHECK(c.out[2] == binary);
      CHECK(c.out[3] == std::string(300, 'z'));
      CHECK(d.buffered() == 0);
    }
  }
}

TEST_CASE("len16 framing: byte at a time, a truncated frame at the end, too large", "[pipe][framing]") {
  std::string stream = framed(Framing::len16, "abc") + std::string("\x00\x05xy", 4);
  Deframer d(Framing::len16);
  Collect c;
  for (char ch : stream) d.feed(bytes(std::string(1, ch)), c.emit());
  CHECK(c.out == std::vector<std::string>{"abc"});
  CHECK(d.buffered() == 4);
  d.finish(c.emit());
  CHECK(c.out.size() == 1);
  CHECK(d.truncated() == 1);
  CHECK(d.buffered() == 0);

  std::string big(65535, 'b');
  CHECK(frame(Framing::len16, bytes(big)).ok());
  big.push_back('b');
  auto r = frame(Framing::len16, bytes(big));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "too_large");
}

TEST_CASE("Deframer::take_partial hands over an unfinished message without its framing", "[pipe][framing]") {
  Deframer line(Framing::line);
  Collect c;
  line.feed(bytes("done\nhalf a li"), c.emit());
  auto partial = line.take_partial();
  CHECK(std::string(partial.begin(), partial.end()) == "half a li");
  CHECK(line.buffered() == 0);
  line.finish(c.emit());
  CHECK(c.out == std::vector<std::string>{"done"});

  Deframer len(Framing::len16);
  len.feed(bytes(std::string("\x00\x05" "abc", 5)), c.emit());
  partial = len.take_partial();
  CHECK(std::string(partial.begin(), partial.end()) == "abc");
  len.feed(bytes(std::string("\x00", 1)), c.emit());
  CHECK(len.take_partial().empty());
  CHECK(Deframer(Framing::raw).take_partial().empty());
}
