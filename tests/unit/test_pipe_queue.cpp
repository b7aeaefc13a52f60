// MessageQueue: bounds by count and bytes, drop_oldest counting, block overshoot.
#include <catch2/catch.hpp>

#include <string>

#include "core/pipe/message_queue.hpp"

using namespace p2pd;
using namespace p2pd::pipe;

namespace {

MessagePtr msg(const std::string& s, std::uint64_t seq = 0) {
  return make_message({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}, net::Endpoint{}, seq, 0);
}

std::string text(const MessagePtr& m) { return std::string(m->data.begin(), m->data.end()); }

}  // namespace

TEST_CASE("MessageQueue: FIFO order and stats", "[pipe][queue]") {
  MessageQueue q({10, 1000});
  CHECK(q.empty());
  CHECK(q.front() == nullptr);
  CHECK(q.pop() == nullptr);
  CHECK(q.push(msg("a"), Overflow::drop_oldest));
  CHECK(q.push(msg("bb"), Overflow::block));
  CHECK(text(q.front()) == "a");
  auto s = q.stats();
  CHECK(s.messages == 2);
  CHECK(s.bytes == 3);
  CHECK(s.pushed == 2);
  CHECK(text(q.pop()) == "a");
  CHECK(text(q.pop()) == "bb");
  CHECK(q.empty());
  s = q.stats();
  CHECK(s.popped == 2);
  CHECK(s.bytes == 0);
  q.note_handed();
  CHECK(q.stats().pushed == 3);
  CHECK(q.stats().popped == 3);
}

TEST_CASE("MessageQueue: drop_oldest keeps the newest within both bounds", "[pipe][queue]") {
  SECTION("message bound") {
    MessageQueue q({3, 1000});
    for (int i = 0; i < 10; ++i) CHECK(q.push(msg(std::to_string(i)), Overflow::drop_oldest));
    auto s = q.stats();
    CHECK(s.messages == 3);
    CHECK(s.dropped_messages == 7);
    CHECK(s.dropped_bytes == 7);
    CHECK(text(q.pop()) == "7");
    CHECK(text(q.pop()) == "8");
    CHECK(text(q.pop()) == "9");
  }
  SECTION("byte bound") {
    MessageQueue q({100, 10});
    CHECK(q.push(msg("aaaa"), Overflow::drop_oldest));
    CHECK(q.push(msg("bbbb"), Overflow::drop_oldest));
    CHECK(q.push(msg("cccc"), Overflow::drop_oldest));  // 12 > 10: "aaaa" goes
    auto s = q.stats();
    CHECK(s.messages == 2);
    CHECK(s.bytes == 8);
    CHECK(s.dropped_messages == 1);
    CHECK(s.dropped_bytes == 4);
    CHECK(text(q.front()) == "bbbb");
  }
  SECTION("a message larger than max_bytes alone is itself dropped") {
    MessageQueue q({100, 10});
    CHECK(q.push(msg("keep"), Overflow::drop_oldest));
    CHECK_FALSE(q.push(msg(std::string(11, 'x')), Overflow::drop_oldest));
    CHECK(q.stats().messages == 1);
    CHECK(q.stats().dropped_bytes == 11);
    CHECK(text(q.front()) == "keep");
  }
  SECTION("max_messages 0 keeps nothing") {
    MessageQueue q({0, 10});
    CHECK_FALSE(q.push(msg("x"), Overflow::drop_oldest));
    CHECK(q.empty());
  }
}

TEST_CASE("MessageQueue: block keeps everything and reports full", "[pipe][queue]") {
  MessageQueue q({2, 100});
  CHECK_FALSE(q.full());
  CHECK(q.push(msg("a"), Overflow::block));
  CHECK_FALSE(q.full());
  CHECK(q.push(msg("b"), Overflow::block));
  CHECK(q.full());
  CHECK(q.push(msg("c"), Overflow::block));  // overshoot by the message in flight
  CHECK(q.stats().messages == 3);
  CHECK(q.stats().dropped_messages == 0);
  q.pop();
  q.pop();
  CHECK_FALSE(q.full());
  CHECK(q.push(msg(std::string(200, 'x')), Overflow::block));
  CHECK(q.full());  // byte bound
  q.clear();
  CHECK(q.empty());
  CHECK(q.stats().bytes == 0);
  CHECK(q.stats().dropped_messages == 0);  // clear is not a drop
}
