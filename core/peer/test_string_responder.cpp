#include "core/peer/test_string_responder.hpp"

namespace p2pd::peer {

void TestStringResponder::attach(std::shared_ptr<quic::Stream> stream) {
  std::shared_ptr<TestStringResponder> self(new TestStringResponder(stream));
  // The callbacks hold the responder; the stream drops them on close, which frees it.
  stream->set_on_readable([self] { self->on_readable(); });
  stream->set_on_closed([self](Status) {
    self->stream_->set_on_readable(nullptr);
    self->stream_->set_on_closed(nullptr);
  });
  self->on_readable();
}

void TestStringResponder::on_readable() {
  auto keep = shared_from_this();  // the callbacks may be dropped while we run
  while (stream_->readable() > 0) {
    auto run = stream_->peek();
    for (std::uint8_t b : run) {
      if (b == '\n') {
        std::string_view line = line_;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!overlong_) on_line(line);
        else other_bytes_ += 1;
        line_.clear();
        overlong_ = false;
        continue;
      }
      if (line_.size() <= kTestString.size() + 1) line_.push_back(static_cast<char>(b));
      else overlong_ = true, other_bytes_ += 1;
    }
    stream_->consume(run.size());
  }
  if (stream_->eof()) {
    stream_->close();
    stream_->set_on_readable(nullptr);
  }
}

void TestStringResponder::on_line(std::string_view line) {
  if (line != kTestString) {
    other_bytes_ += line.size() + 1;
    return;
  }
  ++answered_;
  stream_->write_all({reinterpret_cast<const std::uint8_t*>(kTestAnswer.data()), kTestAnswer.size()});
}

}  // namespace p2pd::peer
