#pragma once
// Graceful TCP endings that outlive their owner: a closed pipe's or relay's socket is
// handed here. It keeps sending what libuv still queues, then sends FIN, then reads
// (and discards) until the remote's FIN so that unread data never turns the close into
// a reset — and is closed at the deadline whatever happens. The PipeManager owns one
// and aborts whatever is left at shutdown.
#include <cstdint>
#include <list>

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"

namespace p2pd::pipe {

class Lingerer {
 public:
  explicit Lingerer(loop::Loop& loop) : loop_(loop) {}
  Lingerer(const Lingerer&) = delete;
  Lingerer& operator=(const Lingerer&) = delete;

  // Takes over `tcp` (its callbacks are replaced). At most timeout_ms.
  void adopt(loop::Tcp tcp, std::uint64_t timeout_ms);
  void close_all();  // aborts every lingering socket now
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    loop::Tcp tcp;
    loop::Timer timer;
    std::uint64_t deadline_ms = 0;
    bool shut = false;
  };
  loop::Loop& loop_;
  std::list<Entry> entries_;
};

}  // namespace p2pd::pipe
