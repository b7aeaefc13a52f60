// TestStringResponder: P2PD's test line gets its answer on an incoming peer stream,
// split anywhere, repeated, mixed with other bytes; the stream ends cleanly after EOF.
#include <catch2/catch.hpp>

#include "core/peer/test_string_responder.hpp"
#include "test_quic_support.hpp"

using namespace p2pd;
using namespace p2pd::peer;
using namespace p2pd::peer::quic::testing;

TEST_CASE("TestStringResponder answers P2PD's test line", "[quic][test_string]") {
  QuicPair p;
  p.listen();
  auto client = connect_established(p);
  auto s = client->open_stream();
  REQUIRE(s);
  auto write = [&](std::string_view t) {
    REQUIRE((*s)->write_all({reinterpret_cast<const std::uint8_t*>(t.data()), t.size()}));
  };
  std::vector<std::uint8_t> back;
  drain_into(*s, back);
  write("hello\nlong_p2pd_test");
  REQUIRE(run_until(p.loop, [&] { return !p.server_streams.empty(); }));
  TestStringResponder::attach(p.server_streams[0]);
  write("_string_abcd123\r\n");
  const std::string answer(kTestAnswer);
  REQUIRE(run_until(p.loop, [&] { return back.size() == answer.size(); }));
  CHECK(std::string(back.begin(), back.end()) == answer);
  // Not the test line (longer, shorter, other text): no answer. The test line again: one more.
  write("long_p2pd_test_string_abcd1234\nlong_p2pd_test_string_abcd12\n");
  write(std::string(100000, 'x') + "\n");
  write("long_p2pd_test_string_abcd123\n");
  REQUIRE(run_until(p.loop, [&] { return back.size() == 2 * answer.size(); }));
  run_for(p.loop, 50);
  CHECK(back.size() == 2 * answer.size());
  // Our FIN: the responder finishes its side too.
  bool closed = false;
  Status how;
  (*s)->set_on_closed([&](Status st) {
    closed = true;
    how = st;
  });
  (*s)->shutdown_write();
  REQUIRE(run_until(p.loop, [&] { return (*s)->eof(); }));
  REQUIRE(run_until(p.loop, [&] { return closed; }));
  CHECK(how.ok());
}
