#pragma once
// Graceful TCP endings that outlive their owner: a closed pipe's or relay's socket is
// handed here. It keeps sending what libuv still queues, then sends FIN, and reads (and
// discards) until the remote's FIN so that unread data never turns the close into a
// reset. It is closed once both hold — everything sent and the remote finished (also
// when the remote had finished before the hand-over) — on a read error, or when nothing
// has moved for the timeout (a reader that stopped reading, a remote that never ends).
// The PipeManager owns one and aborts whatever is left at shutdown.
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

  // Takes over `tcp` (its callbacks are replaced). At most timeout_ms without progress.
  void adopt(loop::Tcp tcp, std::uint64_t timeout_ms);
  void close_all();  // aborts every lingering socket now
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    loop::Tcp tcp;
    loop::Timer timer;
    std::uint64_t timeout_ms = 0;
    std::uint64_t deadline_ms = 0;
    std::size_t queued = 0;      // write queue at the last poll: shrinking is progress
    bool shut = false;           // our FIN is queued behind the last write
    bool peer_finished = false;  // the remote's FIN (or the socket cannot be read)
  };
  void poll(std::list<Entry>::iterator it);
  loop::Loop& loop_;
  std::list<Entry> entries_;
};

}  // namespace p2pd::pipe
