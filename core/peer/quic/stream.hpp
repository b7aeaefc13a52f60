#pragma once
// One bidirectional QUIC stream: a REST-named connection or one forwarded TCP
// connection. Owned jointly by its Session (while the QUIC stream lives) and the
// application (shared_ptr); after the session or the stream is gone every call is a
// harmless no-op and closed() is true.
//
// Writing: write() copies into the send buffer and returns how many bytes it took; the
// buffer keeps bytes until the peer acknowledges them and is bounded (send_limit): when
// full, write() takes fewer bytes (0 = would block) and on_writable runs once the peer has
// acknowledged enough. Reading: received bytes wait in the stream until consume(); the
// peer's flow-control window opens only as the application consumes, so a slow reader
// slows the writer and memory stays bounded by the window.
// Callbacks run on the loop thread, never inside another call to this stream.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/peer/quic/byte_queue.hpp"
#include "core/result.hpp"

namespace p2pd::peer::quic {

class Session;

class Stream {
 public:
  using EventFn = std::function<void()>;
  using ClosedFn = std::function<void(Status)>;  // ok() = both directions finished cleanly

  std::int64_t id() const { return id_; }

  std::size_t write(std::span<const std::uint8_t> bytes);
  // Takes all of `bytes` whatever the send limit (for callers with their own bound, such
  // as a pipe's send backlog); false once the stream cannot send any more. on_writable
  // runs when the unsent bytes fall to the unsent low-water mark.
  bool write_all(std::span<const std::uint8_t> bytes);
  void set_unsent_low_water(std::size_t n) { unsent_low_water_ = n; }
  std::size_t unsent_bytes() const { return unsent(); }  // not yet handed to QUIC
  std::size_t buffered() const { return tx_.size(); }      // unsent + unacknowledged
  std::size_t send_limit() const { return send_limit_; }
  bool writable() const { return !closed_ && !fin_requested_ && tx_.size() < send_limit_; }
  void shutdown_write();  // FIN after the buffered bytes

  std::span<const std::uint8_t> peek() const { return rx_.run_at(0); }  // first contiguous run
  std::size_t readable() const { return rx_.size(); }
  std::size_t copy(std::span<std::uint8_t> out) const { return rx_.copy_front(out); }
  void consume(std::size_t n);
  bool fin_received() const { return rx_fin_; }
  bool eof() const { return rx_fin_ && rx_.empty(); }
  // The peer aborted its direction (RESET_STREAM): eof() then means "cut off", not "done".
  std::optional<std::uint64_t> reset_received() const { return rx_reset_; }

  void reset(std::uint64_t app_error = 0);  // abort both directions
  // Done with the stream: FIN if not sent yet, stop the peer's sending if not at EOF, drop
  // the callbacks.
  void close();
  bool closed() const { return closed_; }

  void set_on_readable(EventFn fn) { on_readable_ = std::move(fn); }  // new bytes or FIN
  void set_on_writable(EventFn fn) { on_writable_ = std::move(fn); }
  void set_on_closed(ClosedFn fn) { on_closed_ = std::move(fn); }

 private:
  friend class Session;
  friend struct SessionCallbacks;
  Stream(Session* session, std::int64_t id, std::size_t send_limit)
      : session_(session), id_(id), send_limit_(send_limit) {}
  std::size_t unsent() const { return tx_.size() - tx_inflight_; }
  // The session ended (any cause, also close() and destruction): on_closed runs on a
  // later loop turn, from the stream's own timer, so it reaches holders of the stream
  // even when the session is gone by then.
  void report_closed_later(loop::Loop& loop, Status how);
  bool wants_send() const { return !tx_dead_ && !blocked_ && (unsent() > 0 || (fin_requested_ && !fin_sent_)); }

  Session* session_;
  std::int64_t id_;
  std::size_t send_limit_;
  ByteQueue tx_;
  std::size_t tx_inflight_ = 0;  // bytes at the front of tx_ handed to ngtcp2, not yet acked
  bool fin_requested_ = false;
  bool fin_sent_ = false;
  bool tx_dead_ = false;       // write side shut (reset, STOP_SENDING)
  bool blocked_ = false;       // stream flow control
  bool in_ready_ = false;      // queued for the round-robin scheduler
  bool writer_waiting_ = false;
  bool unsent_waiting_ = false;    // write_all went over unsent_low_water_
  std::size_t unsent_low_water_ = 256 * 1024;
  ByteQueue rx_;
  bool rx_fin_ = false;
  std::optional<std::uint64_t> rx_reset_;  // application error of the peer's RESET_STREAM
  bool rx_stopped_ = false;
  bool readable_posted_ = false;
  bool closed_ = false;
  EventFn on_readable_;
  EventFn on_writable_;
  ClosedFn on_closed_;
  std::unique_ptr<loop::Timer> closing_;
};

}  // namespace p2pd::peer::quic
