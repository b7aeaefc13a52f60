// Signaling over every configured broker: sending sealed messages, accepting them once,
// request/response matching with resends and deadlines. Address records (publication and
// fetch) are in signaling_address.cpp.
#include <sodium.h>

#include <chrono>

#include <spdlog/spdlog.h>

#include "core/signal/sealer.hpp"
#include "core/signal/signaling_detail.hpp"
#include "core/signal/topics.hpp"

namespace p2pd::signaling {

Signaling::Counters::Counters(observe::Registry& r)
    : sent(r.counter("p2pd_signal_sent_total", "signaling messages published (one per broker)")),
      accepted(r.counter("p2pd_signal_accepted_total", "signaling messages accepted")),
      duplicate(r.counter("p2pd_signal_dropped_total", "signaling messages dropped", {{"reason", "duplicate"}})),
      stale(r.counter("p2pd_signal_dropped_total", "signaling messages dropped", {{"reason", "stale"}})),
      future(r.counter("p2pd_signal_dropped_total", "signaling messages dropped", {{"reason", "future"}})),
      malformed(r.counter("p2pd_signal_dropped_total", "signaling messages dropped", {{"reason", "malformed"}})),
      undecryptable(
          r.counter("p2pd_signal_dropped_total", "signaling messages dropped", {{"reason", "undecryptable"}})),
      wrong_recipient(
          r.counter("p2pd_signal_dropped_total", "signaling messages dropped", {{"reason", "wrong_recipient"}})),
      bad_signature(
          r.counter("p2pd_signal_dropped_total", "signaling messages dropped", {{"reason", "bad_signature"}})),
      unexpected(r.counter("p2pd_signal_dropped_total", "signaling messages dropped", {{"reason", "unexpected"}})) {}

observe::Counter& Signaling::Counters::for_reason(const std::string& code) {
  if (code == "undecryptable") return undecryptable;
  if (code == "wrong_recipient") return wrong_recipient;
  if (code == "bad_signature") return bad_signature;
  return malformed;
}

Status Responder::reply(std::string type, Payload payload) {
  if (done_) return Error{"conflict", "this request was answered already"};
  auto owner = owner_.lock();
  if (!owner || *owner == nullptr) return Error{"shutting_down", "signaling is gone"};
  done_ = true;
  return (*owner)->answer(to_, id_, std::move(type), std::move(payload));
}

Signaling::Signaling(loop::Loop& loop, SignalingOptions options, observe::Registry& metrics)
    : loop_(loop),
      options_(std::move(options)),
      counters_(std::make_unique<Counters>(metrics)),
      guard_(options_.window_ms),
      alive_(std::make_shared<Signaling*>(this)) {
  randombytes_buf(&next_id_, sizeof(next_id_));
  next_id_ = (next_id_ >> 1) + 1;  // never 0, room to count up
  for (const auto& b : options_.brokers) {
    auto c = std::make_unique<Connection>();
    Connection* raw = c.get();
    MqttOptions mo;
    mo.host = b.host;
    mo.port = b.port;
    mo.keepalive_s = options_.keepalive_s;
    mo.backoff_min_ms = options_.backoff_min_ms;
    mo.backoff_max_ms = options_.backoff_max_ms;
    MqttHandlers h;
    h.connected = [this, raw] { on_connected(*raw); };
    h.state_changed = [this] {
      if (on_change_) on_change_();
    };
    h.message = [this, raw](const std::string& topic, std::span<const std::uint8_t> payload, bool) {
      on_message(*raw, topic, payload);
    };
    c->mqtt = std::make_unique<MqttConnection>(loop_, std::move(mo), std::move(h));
    c->broker = c->mqtt->broker();
    connections_.push_back(std::move(c));
  }
}

Signaling::~Signaling() {
  *alive_ = nullptr;
  on_change_ = {};
  stop();
}

std::uint64_t Signaling::now_wall() const {
  if (options_.wall_clock_ms) return options_.wall_clock_ms();
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

void Signaling::start() {
  if (stopped_) return;
  for (auto& c : connections_) c->mqtt->start();
}

void Signaling::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& c : connections_) c->mqtt->stop();
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, p] : pending)
    if (p->done) p->done(Error{"shutting_down", "signaling stopped"});
  auto fetches = std::move(fetches_);
  fetches_.clear();
  for (auto& [key, f] : fetches)
    for (auto& w : f->waiters) w(Error{"shutting_down", "signaling stopped"});
}

std::vector<BrokerInfo> Signaling::brokers() const {
  std::vector<BrokerInfo> out;
  const std::uint64_t now = loop_.now_ms();
  for (const auto& c : connections_) {
    const auto& m = *c->mqtt;
    BrokerInfo b;
    b.broker = c->broker;
    b.state = m.state();
    b.last_error = m.last_error();
    b.failures = m.failures();
    b.connects = m.connects();
    b.since_ms = m.state_since_ms();
    b.retry_in_ms = m.state() == MqttState::waiting && m.retry_at_ms() > now ? m.retry_at_ms() - now : 0;
    out.push_back(std::move(b));
  }
  return out;
}

std::size_t Signaling::connected_count() const {
  std::size_t n = 0;
  for (const auto& c : connections_) n += c->mqtt->connected() ? 1 : 0;
  return n;
}

void Signaling::on_connected(Connection& c) {
  if (auto st = c.mqtt->subscribe(inbox_topic(public_key()), 1); !st)
    spdlog::warn("signaling: {}: {}", c.broker, st.error().message);
  publish_address_on(c);
  for (const auto& [key, f] : fetches_) (void)c.mqtt->subscribe(address_topic(key), 1);
}

Status Signaling::send(const PublicKey& to, Kind kind, std::uint64_t id, const std::string& type,
                       const Payload& payload) {
  if (stopped_) return Error{"shutting_down", "signaling stopped"};
  Message m;
  m.recipient = to;
  m.timestamp_ms = now_wall();
  randombytes_buf(m.nonce.data(), m.nonce.size());
  m.kind = kind;
  m.id = id;
  m.type = type;
  m.payload = payload;
  auto envelope = seal(std::move(m), options_.keys);
  if (!envelope) return envelope.error();
  const std::string topic = inbox_topic(to);
  std::size_t published = 0;
  std::string why;
  for (auto& c : connections_) {
    if (!c->mqtt->connected()) continue;
    if (auto st = c->mqtt->publish(topic, *envelope, 1, false); st) {
      ++published;
      counters_->sent.inc();
    } else {
      why = st.error().message;
    }
  }
  if (published == 0)
    return Error{"unreachable", why.empty() ? "no signaling broker is connected" : "no broker took the message: " + why};
  return {};
}

Status Signaling::notify(const PublicKey& to, std::string type, Payload payload) {
  return send(to, Kind::notice, 0, type, payload);
}

void Signaling::handle(std::string type, Handler handler) { handlers_[std::move(type)] = std::move(handler); }

void Signaling::request(const PublicKey& to, std::string type, Payload payload, std::chrono::milliseconds timeout,
                        Done done) {
  const std::uint64_t id = next_id_++;
  auto p = std::make_unique<Pending>(loop_);
  p->to = to;
  p->type = std::move(type);
  p->payload = std::move(payload);
  p->done = std::move(done);
  Pending& ref = *p;
  pending_.emplace(id, std::move(p));
  if (stopped_) {
    ref.deadline.start(0, 0, [this, id] { finish_request(id, Error{"shutting_down", "signaling stopped"}); });
    return;
  }
  auto first = send(ref.to, Kind::request, id, ref.type, ref.payload);
  if (!first) {
    // Answered on the next loop turn, never from inside request().
    ref.deadline.start(0, 0, [this, id, e = first.error()] { finish_request(id, e); });
    return;
  }
  const auto ms = static_cast<std::uint64_t>(timeout.count());
  ref.deadline.start(ms, 0, [this, id, ms] {
    finish_request(id, Error{"timeout", "no answer in " + std::to_string(ms) + " ms"});
  });
  // Resends at 1 s, 2 s, 4 s, 8 s... after the first attempt (a repeating 1 s tick).
  ref.resend.start(1000, 1000, [this, id] { send_attempt(id); });
}

void Signaling::send_attempt(std::uint64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  Pending& p = *it->second;
  ++p.ticks;
  if ((p.ticks & (p.ticks - 1)) != 0) return;  // only on powers of two
  (void)send(p.to, Kind::request, id, p.type, p.payload);  // no broker now: the next one may work
}

void Signaling::finish_request(std::uint64_t id, Result<Incoming> result) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  auto p = std::move(it->second);
  pending_.erase(it);
  if (p->done) p->done(std::move(result));
}

Status Signaling::answer(const PublicKey& to, std::uint64_t id, std::string type, Payload payload) {
  auto it = answered_.find(AnswerKey{to, id});
  if (it != answered_.end()) {
    it->second.type = type;
    it->second.payload = payload;
    it->second.answered = true;
  }
  return send(to, Kind::response, id, type, payload);
}

void Signaling::on_message(Connection& c, const std::string& topic, std::span<const std::uint8_t> payload) {
  if (topic == inbox_topic(public_key())) return on_envelope(c, payload);
  if (auto key = key_of_address_topic(topic)) return on_address_record(*key, payload);
}

void Signaling::on_envelope(Connection& c, std::span<const std::uint8_t> payload) {
  auto m = open(payload, options_.keys);
  if (!m) {
    counters_->for_reason(m.error().code).inc();
    spdlog::debug("signaling: dropped a message from {}: {}", c.broker, m.error().message);
    return;
  }
  switch (guard_.check(*m, now_wall())) {
    case Verdict::fresh: break;
    case Verdict::duplicate: counters_->duplicate.inc(); return;
    case Verdict::stale: counters_->stale.inc(); return;
    case Verdict::future: counters_->future.inc(); return;
  }
  counters_->accepted.inc();
  dispatch(Incoming{std::move(*m), c.broker});
}

void Signaling::expire_answered() {
  const std::uint64_t now = loop_.now_ms();
  while (!answered_order_.empty() && answered_order_.front().first + options_.window_ms < now) {
    answered_.erase(answered_order_.front().second);
    answered_order_.pop_front();
  }
}

void Signaling::dispatch(Incoming in) {
  const Message& m = in.message;
  if (m.kind == Kind::response) {
    auto it = pending_.find(m.id);
    if (it == pending_.end() || it->second->to != m.sender) {
      counters_->unexpected.inc();
      return;
    }
    return finish_request(m.id, std::move(in));
  }
  if (m.kind == Kind::request) {
    // A resent request (same sender and id, new nonce) is not handled twice: the answer
    // given, if any, goes out again.
    expire_answered();
    AnswerKey key{m.sender, m.id};
    if (auto it = answered_.find(key); it != answered_.end()) {
      if (it->second.answered) (void)send(m.sender, Kind::response, m.id, it->second.type, it->second.payload);
      return;
    }
    if (answered_.size() >= kMaxAnswered) {
      answered_.erase(answered_order_.front().second);
      answered_order_.pop_front();
    }
    answered_.emplace(key, Answer{});
    answered_order_.emplace_back(loop_.now_ms(), key);
  }
  auto h = handlers_.find(m.type);
  if (h == handlers_.end()) {
    if (m.kind == Kind::request) {
      if (m.type == "ping") return (void)answer(m.sender, m.id, "pong", m.payload);
      const std::string text = "no handler for \"" + m.type + "\"";
      return (void)answer(m.sender, m.id, "error", Payload(text.begin(), text.end()));
    }
    counters_->unexpected.inc();
    return;
  }
  Responder r;
  if (m.kind == Kind::request) {
    r = Responder(alive_, m.sender, m.id);
    r.done_ = false;
  }
  auto handler = h->second;  // a handler may replace itself
  handler(in, std::move(r));
}

}  // namespace p2pd::signaling
