#include "core/pipe/lingerer.hpp"

namespace p2pd::pipe {

namespace {
constexpr std::uint64_t kPollMs = 10;
}

void Lingerer::adopt(loop::Tcp tcp, std::uint64_t timeout_ms) {
  if (!tcp.is_open()) return;
  const std::size_t queued = tcp.write_queue_size();
  entries_.push_back(Entry{std::move(tcp), loop::Timer(loop_), timeout_ms, loop_.now_ms() + timeout_ms, queued});
  auto it = std::prev(entries_.end());
  // A socket whose EOF was already read reports it again (or refuses to read): either
  // way the remote has finished, and what is queued must still go out before closing.
  auto st = it->tcp.read_start([](std::span<const std::uint8_t>) {}, [this, it](Status end) {
    if (!end.ok()) return (void)entries_.erase(it);  // reset: nothing more can be delivered
    it->peer_finished = true;
  });
  if (!st.ok()) it->peer_finished = true;
  it->timer.start(0, kPollMs, [this, it] { poll(it); });
}

// Erasing closes both handles; the kernel still sends what it buffered, then FIN.
void Lingerer::poll(std::list<Entry>::iterator it) {
  const std::size_t queued = it->tcp.write_queue_size();
  if (queued < it->queued) it->deadline_ms = loop_.now_ms() + it->timeout_ms;
  it->queued = queued;
  if (loop_.now_ms() >= it->deadline_ms) return (void)entries_.erase(it);
  if (queued != 0) return;
  if (!it->shut) {
    it->shut = true;
    it->tcp.shutdown();  // fails harmlessly if the owner already shut it down
  }
  if (it->peer_finished) entries_.erase(it);
}

void Lingerer::close_all() { entries_.clear(); }

}  // namespace p2pd::pipe
