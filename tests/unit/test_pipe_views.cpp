// The JSON views of /v1/pipes: base64 both ways (every byte value), the UTF-8 check
// that decides whether a message also gets "text", and a message's fields.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "rpc/pipe_views.hpp"

using namespace p2pd;

namespace {
std::vector<std::uint8_t> v(const std::string& s) { return {s.begin(), s.end()}; }
}  // namespace

TEST_CASE("pipe views: base64 round trip and rejects", "[pipe][rpc]") {
  CHECK(rpc::to_base64(v("")) == "");
  CHECK(rpc::to_base64(v("f")) == "Zg==");
  CHECK(rpc::to_base64(v("foobar")) == "Zm9vYmFy");
  std::vector<std::uint8_t> all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<std::uint8_t>(i));
  auto back = rpc::from_base64(rpc::to_base64(all));
  REQUIRE(back);
  CHECK(std::vector<std::uint8_t>(back->begin(), back->end()) == all);
  CHECK(rpc::from_base64("Zm9v") == std::optional<std::string>("foo"));
  CHECK_FALSE(rpc::from_base64("@@@"));
  CHECK_FALSE(rpc::from_base64("Zm9v!"));
  CHECK_FALSE(rpc::from_base64("Zg="));
}

TEST_CASE("pipe views: UTF-8 check", "[pipe][rpc]") {
  CHECK(rpc::is_utf8(v("plain ascii")));
  CHECK(rpc::is_utf8(v("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80")));
  CHECK_FALSE(rpc::is_utf8(v("\xff")));
  CHECK_FALSE(rpc::is_utf8(v("\xc3")));              // cut short
  CHECK_FALSE(rpc::is_utf8(v("\xe2\x82")));          // cut short
  CHECK_FALSE(rpc::is_utf8(v("\xc0\xaf")));          // overlong
  CHECK_FALSE(rpc::is_utf8(v("\xed\xa0\x80")));      // surrogate
  CHECK_FALSE(rpc::is_utf8(v("\xf4\x90\x80\x80")));  // beyond U+10FFFF
}

TEST_CASE("pipe views: a message carries text only when it is UTF-8", "[pipe][rpc]") {
  pipe::Message m;
  m.data = v("hi");
  m.from = net::Endpoint::parse("127.0.0.1:5").value();
  m.seq = 3;
  auto j = rpc::message_json(m);
  CHECK(j["text"] == "hi");
  CHECK(j["data_b64"] == "aGk=");
  CHECK(j["from"] == "127.0.0.1:5");
  CHECK(j["seq"] == 3);
  CHECK(j["size"] == 2);
  m.data = {0xff, 0x00};
  j = rpc::message_json(m);
  CHECK_FALSE(j.contains("text"));
  CHECK(j["data_b64"] == "/wA=");
}
