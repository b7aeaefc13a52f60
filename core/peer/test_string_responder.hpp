#pragma once
// P2PD's node answers the line `long_p2pd_test_string_abcd123` with
// `p2pd test string\r\n\r\n` on any connection a peer opened (docs/API.md). This does the
// same on one incoming QUIC stream: each complete line is checked, the answer is written
// for every test line, other bytes are read and counted (a stream nobody claimed must
// not stall the peer's writer). It ends with the stream.
#include <cstdint>
#include <memory>
#include <string>

#include "core/peer/quic/stream.hpp"

namespace p2pd::peer {

inline constexpr std::string_view kTestString = "long_p2pd_test_string_abcd123";
inline constexpr std::string_view kTestAnswer = "p2pd test string\r\n\r\n";

class TestStringResponder : public std::enable_shared_from_this<TestStringResponder> {
 public:
  // Keeps itself alive through the stream's callbacks until the stream closes.
  static void attach(std::shared_ptr<quic::Stream> stream);

  std::uint64_t answered() const { return answered_; }
  std::uint64_t other_bytes() const { return other_bytes_; }

 private:
  explicit TestStringResponder(std::shared_ptr<quic::Stream> stream) : stream_(std::move(stream)) {}
  void on_readable();
  void on_line(std::string_view line);

  std::shared_ptr<quic::Stream> stream_;
  std::string line_;  // the current line, bounded: a longer one cannot be the test string
  bool overlong_ = false;
  std::uint64_t answered_ = 0;
  std::uint64_t other_bytes_ = 0;
};

}  // namespace p2pd::peer
