#pragma once
// The event loop. One per daemon, driven by one thread that owns every handle on it.
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace p2pd::loop {

class Loop {
 public:
  Loop();
  ~Loop();  // runs pending close callbacks; handles still open are closed and logged
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  uv_loop_t* raw() { return &loop_; }

  void run();          // until stop() or no active handles remain
  bool run_once();     // one iteration, waiting for events; false when nothing is active
  void run_nowait();   // one iteration without waiting
  void stop();         // from a callback on the loop thread
  std::uint64_t now_ms() const;  // the loop's cached clock

  // One scratch read buffer per loop: stream and datagram reads land here and are
  // handed to callbacks as spans valid only during the callback, so an idle socket
  // costs no buffer of its own.
  std::span<char> read_buffer();

 private:
  uv_loop_t loop_{};
  std::unique_ptr<char[]> read_buffer_;
  std::size_t read_buffer_size_ = 0;
};

}  // namespace p2pd::loop
