#include "core/pipe/lingerer.hpp"

namespace p2pd::pipe {

namespace {
constexpr std::uint64_t kPollMs = 10;
}

void Lingerer::adopt(loop::Tcp tcp, std::uint64_t timeout_ms) {
  if (!tcp.is_open()) return;
  entries_.push_back(Entry{std::move(tcp), loop::Timer(loop_), loop_.now_ms() + timeout_ms, false});
  auto it = std::prev(entries_.end());
  // Any of these erases the entry (closing both handles); the others then never run.
  auto st = it->tcp.read_start([](std::span<const std::uint8_t>) {}, [this, it](Status) { entries_.erase(it); });
  if (!st.ok()) {
    entries_.erase(it);
    return;
  }
  it->timer.start(0, kPollMs, [this, it] {
    if (loop_.now_ms() >= it->deadline_ms) {
      entries_.erase(it);
      return;
    }
    if (!it->shut && it->tcp.write_queue_size() == 0) {
      it->shut = true;
      it->tcp.shutdown();  // fails harmlessly if the owner already shut it down
    }
  });
}

void Lingerer::close_all() { entries_.clear(); }

}  // namespace p2pd::pipe
