#include "core/pipe/pipe.hpp"

#include <algorithm>
#include <cstring>

#include "core/pipe/names.hpp"

namespace p2pd::pipe {

namespace {

constexpr std::size_t kMaxWaitersPerSub = 1024;

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

std::string_view state_name(PipeState s) {
  switch (s) {
    case PipeState::open: return "open";
    case PipeState::remote_closed: return "remote_closed";
    case PipeState::closed: return "closed";
  }
  return "closed";
}

Pipe::Pipe(loop::Loop& loop, const PipeLimits& limits, std::string name, std::unique_ptr<Transport> transport,
           PipeOptions options, PipeObserver* observer)
    : loop_(loop),
      limits_(limits),
      name_(std::move(name)),
      transport_(std::move(transport)),
      options_(std::move(options)),
      observer_(observer),
      deframer_(transport_ && transport_->is_stream() ? options_.framing : Framing::raw, limits.max_message) {
  created_ms_ = last_activity_ms_ = loop_.now_ms();
  local_ = transport_->local();
  remote_ = transport_->remote();
  kind_ = std::string(transport_->kind());
  if (!transport_->is_stream()) options_.framing = Framing::raw;
  auto all = std::make_shared<Subscription>();
  all->id = kDefaultSub;
  all->queue = MessageQueue(limits_.queue);
  subs_.push_back(std::move(all));
}

Pipe::~Pipe() {
  attachment_.reset();
  tap_ = nullptr;
  if (transport_) transport_->close(false);
}

Status Pipe::start() { return transport_->start(this); }

// --- receiving ------------------------------------------------------------------------

void Pipe::on_transport_data(std::span<const std::uint8_t> bytes, const net::Endpoint& from) {
  if (state_ != PipeState::open) return;
  last_activity_ms_ = loop_.now_ms();
  bytes_in_ += bytes.size();
  if (observer_) observer_->on_pipe_traffic(true, bytes.size());
  if (tap_) return tap_->on_pipe_data(bytes, from);
  deframer_.feed(bytes, [&](std::span<const std::uint8_t> message) { dispatch(message, from); });
  update_reading();
}

bool Pipe::answer_test_string(std::span<const std::uint8_t> bytes, const net::Endpoint& from) {
  if (!options_.answer_test_string) return false;
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (text != kTestString) return false;
  ++test_strings_answered_;
  auto reply = as_bytes(kTestStringReply);
  (void)send_raw(std::vector<std::uint8_t>(reply.begin(), reply.end()),
                 transport_->can_send_to() ? std::optional<net::Endpoint>(from) : std::nullopt);
  return true;
}

void Pipe::dispatch(std::span<const std::uint8_t> bytes, const net::Endpoint& from) {
  if (answer_test_string(bytes, from)) return;
  auto m = make_message(bytes, from, ++seq_, last_activity_ms_);
  ++messages_in_;
  // A callback may subscribe, unsubscribe or close: iterate over a snapshot.
  auto subs = subs_;
  for (auto& sub : subs) {
    if (sub->removed || !sub->filter.matches(*m)) continue;
    ++sub->matched;
    if (sub->callback) {
      sub->callback(m);
      if (state_ == PipeState::closed) return;
      continue;
    }
    if (hand_to_waiter(*sub, m)) continue;
    auto before = sub->queue.stats().dropped_messages;
    sub->queue.push(m, overflow_for(*sub));
    auto dropped = sub->queue.stats().dropped_messages - before;
    if (dropped > 0 && observer_) observer_->on_pipe_drop(dropped);
  }
}

// Gives the message to the first waiter still there; false if none took it.
bool Pipe::hand_to_waiter(Subscription& sub, const MessagePtr& m) {
  while (!sub.waiters.empty()) {
    PullWaiter w = std::move(sub.waiters.front());
    sub.waiters.pop_front();
    if (w.deliver(m)) {
      sub.queue.note_handed();
      return true;
    }
  }
  return false;
}

Overflow Pipe::overflow_for(const Subscription& sub) const {
  if (!transport_ || !transport_->is_stream()) return Overflow::drop_oldest;
  if (sub.overflow) return *sub.overflow;
  // The catch-all queue of a pipe that also has filtered subscriptions is a window on
  // recent traffic: it must not stall the subscriptions people actually read.
  if (sub.id == kDefaultSub && subs_.size() > 1) return Overflow::drop_oldest;
  return Overflow::block;
}

void Pipe::update_reading() {
  bool full = false;
  for (const auto& sub : subs_)
    if (!sub->callback && overflow_for(*sub) == Overflow::block && sub->queue.full()) full = true;
  paused_by_queue_ = full;
  bool want = !paused_by_queue_ && !held_by_tap_ && state_ == PipeState::open;
  if (want != reading_ && transport_) {
    reading_ = want;
    transport_->set_reading(want);
  }
}

void Pipe::on_transport_end(Status status) {
  if (state_ != PipeState::open) return;
  deframer_.finish([&](std::span<const std::uint8_t> message) {
    if (!tap_) dispatch(message, remote_ ? *remote_ : net::Endpoint{});
  });
  if (state_ != PipeState::open) return;  // a callback closed it
  if (tap_) {
    // The relay decides how both sides end.
    state_ = PipeState::remote_closed;
    tap_->on_pipe_end(status);
    return;
  }
  close_reason_ = status.ok() ? "closed by the remote end" : status.error().message;
  if (queues_empty()) return close(close_reason_);
  state_ = PipeState::remote_closed;
  transport_->close(true);  // nothing more to read; flush what we sent
  fail_waiters(Error{"closed", "pipe " + name_ + ": " + close_reason_});
  linger_ = loop::Timer(loop_);
  linger_.start(limits_.linger_ms, 0, [this] {
    close_reason_ += " (unread messages expired)";  // close() keeps the remote's reason
    close(close_reason_);
  });
}

void Pipe::on_transport_drained() {
  if (tap_) tap_->on_pipe_drained();
}

// --- sending --------------------------------------------------------------------------

Result<std::size_t> Pipe::send(std::span<const std::uint8_t> data, const std::optional<net::Endpoint>& to) {
  if (state_ != PipeState::open) return Error{"closed", "pipe " + name_ + " is " + std::string(state_name(state_))};
  if (transport_->backlog() > limits_.send_backlog)
    return Error{"busy", "pipe " + name_ + ": " + std::to_string(transport_->backlog()) +
                             " bytes wait to be sent; the remote is not reading"};
  auto framed = frame(options_.framing, data);
  if (!framed.ok()) return framed.error();
  if (auto st = send_raw(std::move(*framed), to); !st.ok()) return st.error();
  ++messages_out_;
  return data.size();
}

Status Pipe::send_raw(std::vector<std::uint8_t> bytes, const std::optional<net::Endpoint>& to) {
  if (state_ == PipeState::closed || !transport_)
    return Error{"closed", "pipe " + name_ + " is closed"};
  if (to && !transport_->can_send_to() && !(remote_ && *to == *remote_))
    return Error{"bad_request", "pipe " + name_ + " (" + kind_ + ") sends only to its remote end"};
  std::size_t n = bytes.size();
  if (auto st = transport_->send(std::move(bytes), to); !st.ok()) return st;
  bytes_out_ += n;
  last_activity_ms_ = loop_.now_ms();
  if (observer_) observer_->on_pipe_traffic(false, n);
  return {};
}

// --- subscriptions --------------------------------------------------------------------

Subscription* Pipe::find(const std::string& id) const {
  for (const auto& sub : subs_)
    if (sub->id == id) return sub.get();
  return nullptr;
}

bool Pipe::has_subscription(const std::string& id) const { return find(id) != nullptr; }

Result<std::string> Pipe::subscribe(SubscriptionSpec spec) {
  if (state_ == PipeState::closed) return Error{"closed", "pipe " + name_ + " is closed"};
  if (spec.id == kDefaultSub) return Error{"reserved_name", "\"all\" is the subscription every pipe has"};
  if (spec.id.empty()) {
    do spec.id = "s" + std::to_string(next_sub_++);
    while (find(spec.id));
  } else if (!valid_name(spec.id)) {
    return Error{"bad_request", "subscription id must match [A-Za-z0-9_.-]{1,64}"};
  }
  if (find(spec.id)) return Error{"conflict", "pipe " + name_ + " already has subscription " + spec.id};
  if (subs_.size() > limits_.max_subs)
    return Error{"too_many", "pipe " + name_ + " has " + std::to_string(limits_.max_subs) + " subscriptions already"};
  auto filter = MessageFilter::compile(spec.filter, limits_.regex);
  if (!filter.ok()) return filter.error();
  auto sub = std::make_shared<Subscription>();
  sub->id = spec.id;
  sub->filter = std::move(*filter);
  QueueBounds bounds = spec.bounds.value_or(limits_.queue);
  bounds.max_messages = std::min(bounds.max_messages, limits_.queue.max_messages);
  bounds.max_bytes = std::min(bounds.max_bytes, limits_.queue.max_bytes);
  sub->queue = MessageQueue(bounds);
  sub->overflow = spec.overflow;
  sub->callback = std::move(spec.callback);
  subs_.push_back(std::move(sub));
  update_reading();
  return spec.id;
}

Status Pipe::unsubscribe(const std::string& id) {
  if (id == kDefaultSub) return Error{"reserved_name", "the subscription \"all\" cannot be removed"};
  auto it = std::find_if(subs_.begin(), subs_.end(), [&](const auto& s) { return s->id == id; });
  if (it == subs_.end()) return Error{"not_found", "pipe " + name_ + " has no subscription " + id};
  auto sub = *it;
  sub->removed = true;
  subs_.erase(it);
  for (auto& w : sub->waiters) w.deliver(Error{"not_found", "subscription " + id + " was removed"});
  sub->waiters.clear();
  update_reading();
  return {};
}

void Pipe::unsubscribe_all() {
  std::vector<std::string> ids;
  for (std::size_t i = 1; i < subs_.size(); ++i) ids.push_back(subs_[i]->id);
  for (const auto& id : ids) (void)unsubscribe(id);
}

// --- pulling --------------------------------------------------------------------------

void Pipe::pull(const std::string& id, PullWaiter waiter) {
  Subscription* sub = find(id);
  if (!sub) {
    waiter.deliver(Error{"not_found", "pipe " + name_ + " has no subscription " + id});
    return;
  }
  if (sub->callback) {
    waiter.deliver(Error{"bad_request", "subscription " + id + " delivers to a callback, not a queue"});
    return;
  }
  if (tap_) {
    waiter.deliver(Error{"conflict", "pipe " + name_ + " is attached to a " +
                                         (attachment_ ? attachment_->kind() : std::string("relay")) +
                                         "; its data goes there"});
    return;
  }
  if (!sub->queue.empty()) {
    if (waiter.deliver(sub->queue.front())) {
      sub->queue.pop();
      after_pop();
    }
    return;
  }
  if (state_ != PipeState::open) {
    waiter.deliver(Error{"closed", "pipe " + name_ + " is " + std::string(state_name(state_)) +
                                       (close_reason_.empty() ? "" : ": " + close_reason_)});
    return;
  }
  // Callers that gave up are dropped here, so the list holds live waiters only.
  std::erase_if(sub->waiters, [](const PullWaiter& w) { return w.abandoned && w.abandoned(); });
  if (sub->waiters.size() >= kMaxWaitersPerSub) {
    waiter.deliver(Error{"busy", "too many readers wait on " + name_ + "/" + id});
    return;
  }
  sub->waiters.push_back(std::move(waiter));
}

Result<MessagePtr> Pipe::try_recv(const std::string& id) {
  Subscription* sub = find(id);
  if (!sub) return Error{"not_found", "pipe " + name_ + " has no subscription " + id};
  MessagePtr m = sub->queue.pop();
  if (m) after_pop();
  else if (state_ != PipeState::open) return Error{"closed", "pipe " + name_ + " is " + std::string(state_name(state_))};
  return m;
}

void Pipe::after_pop() {
  if (state_ == PipeState::remote_closed && !tap_ && queues_empty()) return close(close_reason_);
  if (paused_by_queue_) update_reading();
}

bool Pipe::queues_empty() const {
  for (const auto& sub : subs_)
    if (!sub->queue.empty()) return false;
  return true;
}

void Pipe::fail_waiters(const Error& error) {
  for (auto& sub : subs_) {
    auto waiters = std::move(sub->waiters);
    sub->waiters.clear();
    for (auto& w : waiters) w.deliver(error);
  }
}

// --- relays ---------------------------------------------------------------------------

Status Pipe::attach_tap(PipeTap* tap) {
  if (state_ == PipeState::closed) return Error{"closed", "pipe " + name_ + " is closed"};
  if (tap_) return Error{"conflict", "pipe " + name_ + " already has a relay attached"};
  tap_ = tap;
  fail_waiters(Error{"conflict", "pipe " + name_ + " was attached to a relay"});
  // What arrived before the relay connected goes first (as received: framing removed).
  auto& all = *subs_.front();
  while (MessagePtr m = all.queue.pop()) tap->on_pipe_data(m->data, m->from);
  for (auto& sub : subs_) sub->queue.clear();
  // ... and so does the start of a message not yet complete (a line without its "\n").
  if (auto partial = deframer_.take_partial(); !partial.empty())
    tap->on_pipe_data(partial, remote_ ? *remote_ : net::Endpoint{});
  update_reading();
  if (state_ == PipeState::remote_closed) tap->on_pipe_end(Status{});
  return {};
}

void Pipe::detach_tap(PipeTap* tap) {
  if (tap_ != tap) return;
  tap_ = nullptr;
  held_by_tap_ = false;
  update_reading();
}

void Pipe::hold_reading(bool hold) {
  held_by_tap_ = hold;
  update_reading();
}

// --- closing --------------------------------------------------------------------------

void Pipe::shutdown_write() {
  if (transport_) transport_->shutdown_write();
}

void Pipe::close(std::string reason) {
  if (state_ == PipeState::closed) return;
  bool was_open = state_ == PipeState::open;
  state_ = PipeState::closed;
  if (close_reason_.empty() || was_open) close_reason_ = std::move(reason);
  linger_.close();
  fail_waiters(Error{"closed", "pipe " + name_ + " was closed: " + close_reason_});
  if (PipeTap* tap = std::exchange(tap_, nullptr); tap && was_open) tap->on_pipe_end(Error{"closed", close_reason_});
  transport_->close(true);
  if (observer_) observer_->on_pipe_closed(*this);
}

// --- info -----------------------------------------------------------------------------

PipeInfo Pipe::info() const {
  PipeInfo out;
  out.name = name_;
  out.kind = kind_;
  out.state = std::string(state_name(state_));
  out.framing = std::string(framing_name(options_.framing));
  out.server = options_.server;
  out.local = local_;
  out.remote = remote_;
  out.created_ms = created_ms_;
  out.last_activity_ms = last_activity_ms_;
  out.bytes_in = bytes_in_;
  out.bytes_out = bytes_out_;
  out.messages_in = messages_in_;
  out.messages_out = messages_out_;
  out.test_strings_answered = test_strings_answered_;
  out.oversize = deframer_.oversize();
  out.reading_paused = !reading_ && state_ == PipeState::open;
  out.send_backlog = state_ == PipeState::closed ? 0 : transport_->backlog();
  out.answer_test_string = options_.answer_test_string;
  out.close_reason = close_reason_;
  out.details = transport_ ? transport_->details() : nlohmann::json(nullptr);
  for (const auto& sub : subs_) {
    SubscriptionInfo si;
    si.id = sub->id;
    si.filter = sub->filter.spec();
    si.bounds = sub->queue.bounds();
    si.queue = sub->queue.stats();
    si.overflow = sub->callback ? "callback" : overflow_for(*sub) == Overflow::block ? "block" : "drop_oldest";
    si.matched = sub->matched;
    si.regex_limit_hits = sub->filter.limit_hits();
    si.waiting = sub->waiters.size();
    out.dropped_messages += si.queue.dropped_messages;
    out.dropped_bytes += si.queue.dropped_bytes;
    out.subs.push_back(std::move(si));
  }
  if (attachment_) {
    out.attachment = attachment_->kind();
    out.attachment_listen = attachment_->listen();
    out.attachment_connected = attachment_->connected();
  }
  return out;
}

}  // namespace p2pd::pipe
