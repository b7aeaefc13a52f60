#include "core/peer/path_tcp.hpp"

#include <algorithm>

namespace p2pd::peer {

TcpPath::TcpPath(loop::Tcp tcp, const TcpPathOptions& options)
    : tcp_(std::move(tcp)), options_(options), decoder_(std::min(options.max_datagram, kMaxTcpFrame)) {
  options_.max_datagram = std::min(options_.max_datagram, kMaxTcpFrame);
}

TcpPath::~TcpPath() { close(); }

Result<std::unique_ptr<TcpPath>> TcpPath::create(loop::Tcp tcp, const TcpPathOptions& options) {
  if (!tcp.is_open()) return Error{"closed", "tcp handle is closed"};
  std::unique_ptr<TcpPath> path(new TcpPath(std::move(tcp), options));
  auto local = path->tcp_.local_endpoint();
  if (!local) return local.error();
  auto remote = path->tcp_.remote_endpoint();
  if (!remote) return remote.error();
  path->local_ = *local;
  path->remote_ = *remote;
  (void)path->tcp_.set_nodelay(true);
  return path;
}

void TcpPath::set_receiver(ReceiveFn on_datagram, ClosedFn on_closed) {
  on_datagram_ = std::move(on_datagram);
  on_closed_ = std::move(on_closed);
  auto st = tcp_.read_start(
      [this](std::span<const std::uint8_t> bytes) {
        std::weak_ptr<char> alive = alive_;
        auto st = decoder_.feed(bytes, [this](std::span<const std::uint8_t> frame) {
          if (on_datagram_) on_datagram_(frame);
        });
        if (!st && !alive.expired()) fail(st);
      },
      [this](Status end) {
        fail(end.ok() ? Status{Error{"closed", "tcp path closed by the peer"}} : end);
      });
  if (!st) fail(st);
}

void TcpPath::fail(Status why) {
  tcp_.close();
  auto on_closed = std::move(on_closed_);
  on_closed_ = nullptr;
  if (on_closed) on_closed(why);
}

Result<std::size_t> TcpPath::send(std::span<const std::span<const std::uint8_t>> datagrams) {
  if (!tcp_.is_open()) return Error{"closed", "tcp path to " + remote_.to_string() + " is closed"};
  std::size_t queued = tcp_.write_queue_size();
  std::vector<std::uint8_t> bytes;
  std::size_t taken = 0;
  for (auto d : datagrams) {
    if (queued + bytes.size() >= options_.send_buffer_limit) break;
    if (d.size() > options_.max_datagram) {  // refused for good, like an oversize UDP send
      ++taken;
      continue;
    }
    if (bytes.empty()) bytes.reserve(std::min<std::size_t>(datagrams.size() * (d.size() + 2), 4 << 20));
    append_tcp_frame(bytes, d);
    ++taken;
  }
  if (!bytes.empty()) {
    std::weak_ptr<char> alive = alive_;
    tcp_.write(std::move(bytes), [this, alive](Status st) {
      if (alive.expired()) return;
      if (!st) return;  // the read side reports the failure
      if (blocked_ && tcp_.write_queue_size() < options_.send_buffer_limit / 2) {
        blocked_ = false;
        if (on_writable_) on_writable_();
      }
    });
  }
  if (taken < datagrams.size()) blocked_ = true;
  return taken;
}

void TcpPath::close() { tcp_.close(); }

}  // namespace p2pd::peer
