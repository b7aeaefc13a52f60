#pragma once
// A Pipe: a named message channel over any Transport (TCP, UDP, and later peer streams
// and TURN relays), with the same operations whatever carries it:
//   send / send_raw          to the remote (or `to`, on datagram transports)
//   subscribe / unsubscribe  filtered subscriptions, each with its own bounded queue
//                            or a callback; "all" always exists
//   pull / try_recv          the next message of a subscription (long-poll friendly)
//   attach_tap               a relay (forward, /tunnel) takes the raw byte stream
//   close                    graceful: queued sends still go out
// State machine:  open --remote EOF/error--> remote_closed --drained/linger--> closed
//                 open --close()-----------------------------------------> closed
// A remote_closed pipe still answers pulls from its queues; a closed one answers
// "closed". Flow control: a TCP pipe stops reading while a blocking queue is full or
// its tap asks it to; UDP queues drop their oldest messages. Loop thread only.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/pipe/framing.hpp"
#include "core/pipe/pipe_limits.hpp"
#include "core/pipe/subscription.hpp"
#include "core/pipe/transport.hpp"
#include "core/result.hpp"

namespace p2pd::pipe {

inline constexpr std::string_view kTestString = "long_p2pd_test_string_abcd123";
inline constexpr std::string_view kTestStringReply = "p2pd test string\r\n\r\n";

enum class PipeState { open, remote_closed, closed };
std::string_view state_name(PipeState s);

class Pipe;

// The raw consumer of a pipe (a relay): gets the bytes before framing and queues.
class PipeTap {
 public:
  virtual void on_pipe_data(std::span<const std::uint8_t> bytes, const net::Endpoint& from) = 0;
  // The remote finished (ok) or failed, or the pipe was closed; once.
  virtual void on_pipe_end(Status status) = 0;
  // The pipe's send backlog fell to the low-water mark.
  virtual void on_pipe_drained() = 0;

 protected:
  ~PipeTap() = default;
};

// Something attached to a pipe and destroyed with it (a forward, a tunnel).
class PipeAttachment {
 public:
  virtual ~PipeAttachment() = default;
  virtual std::string kind() const = 0;          // "forward" | "tunnel"
  virtual std::string listen() const { return {}; }  // the loopback endpoint, if any
  virtual bool connected() const = 0;
};

// The manager's side of a pipe.
class PipeObserver {
 public:
  virtual void on_pipe_closed(Pipe& pipe) = 0;   // after close(): reap it later
  virtual void on_pipe_traffic(bool inbound, std::size_t bytes) = 0;
  virtual void on_pipe_drop(std::size_t messages) = 0;

 protected:
  ~PipeObserver() = default;
};

struct PipeOptions {
  Framing framing = Framing::raw;
  bool answer_test_string = false;
  std::string server;        // the server that made it ("" for client pipes)
};

struct PipeInfo {
  std::string name;
  std::string kind;          // transport kind: "tcp" | "udp"
  std::string state;
  std::string framing;
  std::string server;
  std::optional<net::Endpoint> local, remote;
  std::uint64_t created_ms = 0, last_activity_ms = 0;
  std::uint64_t bytes_in = 0, bytes_out = 0, messages_in = 0, messages_out = 0;
  std::uint64_t dropped_messages = 0, dropped_bytes = 0;   // over all queues
  std::uint64_t test_strings_answered = 0;
  std::uint64_t oversize = 0;
  bool reading_paused = false;
  std::size_t send_backlog = 0;
  bool answer_test_string = false;
  std::string close_reason;
  std::vector<SubscriptionInfo> subs;
  std::string attachment;     // "" | "forward" | "tunnel"
  std::string attachment_listen;
  bool attachment_connected = false;
  nlohmann::json details;     // Transport::details()
};

class Pipe final : private TransportHandler {
 public:
  Pipe(loop::Loop& loop, const PipeLimits& limits, std::string name, std::unique_ptr<Transport> transport,
       PipeOptions options, PipeObserver* observer = nullptr);
  ~Pipe();
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  Status start();

  const std::string& name() const { return name_; }
  PipeState state() const { return state_; }
  bool is_stream() const { return transport_ && transport_->is_stream(); }
  const PipeOptions& options() const { return options_; }
  std::uint64_t last_activity_ms() const { return last_activity_ms_; }
  PipeInfo info() const;

  // Sends one message (framed on streams). Returns the payload size. Errors: "closed",
  // "bad_request" (a `to` the transport cannot use), "too_large", "busy" (the send
  // backlog is over its bound: the remote does not read).
  Result<std::size_t> send(std::span<const std::uint8_t> data, const std::optional<net::Endpoint>& to = {});
  // Sends bytes as they are (relays).
  Status send_raw(std::vector<std::uint8_t> bytes, const std::optional<net::Endpoint>& to = {});
  std::size_t send_backlog() const { return transport_ ? transport_->backlog() : 0; }

  // Returns the subscription id. Errors: "conflict" (id exists), "reserved_name"
  // ("all"), "bad_request" (bad id or filter), "too_many".
  Result<std::string> subscribe(SubscriptionSpec spec);
  Status unsubscribe(const std::string& id);
  void unsubscribe_all();  // every subscription but "all"
  bool has_subscription(const std::string& id) const;

  // The next message of subscription `id`, now or when one arrives; errors through
  // waiter.deliver: "not_found" (no such subscription), "closed".
  void pull(const std::string& id, PullWaiter waiter);
  // Non-blocking: null when the queue is empty. Error as for pull.
  Result<MessagePtr> try_recv(const std::string& id = kDefaultSub);

  // Relays. attach_tap first hands over what the "all" queue holds.
  Status attach_tap(PipeTap* tap);
  void detach_tap(PipeTap* tap);
  void hold_reading(bool hold);  // the tap's flow control
  void set_attachment(std::unique_ptr<PipeAttachment> attachment) { attachment_ = std::move(attachment); }
  PipeAttachment* attachment() const { return attachment_.get(); }
  std::unique_ptr<PipeAttachment> take_attachment() { return std::move(attachment_); }

  // Half-close (streams): FIN after queued sends; reading continues.
  void shutdown_write();
  // Closes the pipe (graceful: queued sends are flushed in the background). Pending
  // pulls get "closed". Idempotent.
  void close(std::string reason);

 private:
  void on_transport_data(std::span<const std::uint8_t> bytes, const net::Endpoint& from) override;
  void on_transport_end(Status status) override;
  void on_transport_drained() override;

  void dispatch(std::span<const std::uint8_t> bytes, const net::Endpoint& from);
  bool answer_test_string(std::span<const std::uint8_t> bytes, const net::Endpoint& from);
  bool hand_to_waiter(Subscription& sub, const MessagePtr& m);
  Overflow overflow_for(const Subscription& sub) const;
  void update_reading();
  bool queues_empty() const;
  void after_pop();
  Subscription* find(const std::string& id) const;
  void fail_waiters(const Error& error);

  loop::Loop& loop_;
  const PipeLimits& limits_;
  std::string name_;
  std::unique_ptr<Transport> transport_;
  PipeOptions options_;
  PipeObserver* observer_;
  Deframer deframer_;
  PipeState state_ = PipeState::open;
  std::string close_reason_;
  std::vector<std::shared_ptr<Subscription>> subs_;  // [0] is "all"
  std::uint64_t next_sub_ = 1;
  std::uint64_t seq_ = 0;
  std::uint64_t created_ms_ = 0, last_activity_ms_ = 0;
  std::uint64_t bytes_in_ = 0, bytes_out_ = 0, messages_in_ = 0, messages_out_ = 0;
  std::uint64_t test_strings_answered_ = 0;
  std::optional<net::Endpoint> local_, remote_;  // kept after the transport is gone
  std::string kind_;
  bool paused_by_queue_ = false;
  bool held_by_tap_ = false;
  bool reading_ = true;
  PipeTap* tap_ = nullptr;
  loop::Timer linger_;                          // only after the remote closed
  std::unique_ptr<PipeAttachment> attachment_;  // destroyed first
};

}  // namespace p2pd::pipe
