#include "core/signal/mqtt_connection.hpp"

#include <fcntl.h>
#include <mosquitto.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include <spdlog/spdlog.h>

#include "core/loop/uv_error.hpp"

namespace p2pd::signaling {

struct MqttConnection::Box {
  mosquitto* m = nullptr;
  MqttConnection* owner = nullptr;  // null once the owner let go (callbacks are dropped)
  int disconnect_rc = 0;
  std::string refusal;  // CONNACK's reason when the broker said no
  ~Box() {
    if (m) mosquitto_destroy(m);
  }
};

namespace {

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string client_id() {
  unsigned char raw[8];
  randombytes_buf(raw, sizeof(raw));
  char hex[sizeof(raw) * 2 + 1];
  sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
  return std::string("p2pd-") + hex;
}

}  // namespace

// The C callbacks find their owner through the Box (the mosquitto object's userdata).
struct MqttCallbacks {
  static void connack(mosquitto*, void* ud, int rc) {
    auto* box = static_cast<MqttConnection::Box*>(ud);
    if (box->owner) box->owner->on_connack(rc);
  }
  static void disconnect(mosquitto*, void* ud, int rc) { static_cast<MqttConnection::Box*>(ud)->disconnect_rc = rc; }
  static void message(mosquitto*, void* ud, const mosquitto_message* msg) {
    auto* box = static_cast<MqttConnection::Box*>(ud);
    if (!box->owner || !msg || !msg->topic) return;
    std::span<const std::uint8_t> payload(static_cast<const std::uint8_t*>(msg->payload),
                                          msg->payload ? static_cast<std::size_t>(msg->payloadlen) : 0);
    box->owner->on_message(msg->topic, payload, msg->retain);
  }
};

std::string_view mqtt_state_name(MqttState s) {
  switch (s) {
    case MqttState::idle: return "idle";
    case MqttState::connecting: return "connecting";
    case MqttState::handshaking: return "handshaking";
    case MqttState::connected: return "connected";
    case MqttState::waiting: return "waiting";
    case MqttState::stopped: return "stopped";
  }
  return "idle";
}

MqttConnection::MqttConnection(loop::Loop& loop, MqttOptions options, MqttHandlers handlers)
    : loop_(loop), options_(std::move(options)), handlers_(std::move(handlers)), misc_(loop), retry_(loop),
      handshake_(loop) {
  init_library();
  since_ms_ = loop_.now_ms();
}

MqttConnection::~MqttConnection() {
  handlers_ = {};
  stop();
}

std::string MqttConnection::broker() const {
  if (options_.host.find(':') != std::string::npos) return "[" + options_.host + "]:" + std::to_string(options_.port);
  return options_.host + ":" + std::to_string(options_.port);
}

void MqttConnection::set_state(MqttState s) {
  if (s == state_) return;
  state_ = s;
  since_ms_ = loop_.now_ms();
  if (handlers_.state_changed) handlers_.state_changed();
}

void MqttConnection::start() {
  if (state_ != MqttState::idle) return;
  attempt();
}

void MqttConnection::attempt() {
  if (state_ == MqttState::stopped) return;
  auto box = std::make_shared<Box>();
  box->m = mosquitto_new(client_id().c_str(), true, box.get());
  if (box->m == nullptr) {
    last_error_ = "cannot create a libmosquitto client";
    ++failures_;
    schedule_retry();
    return;
  }
  box->owner = this;
  mosquitto_connect_callback_set(box->m, &MqttCallbacks::connack);
  mosquitto_disconnect_callback_set(box->m, &MqttCallbacks::disconnect);
  mosquitto_message_callback_set(box->m, &MqttCallbacks::message);
  box_ = box;
  set_state(MqttState::connecting);
  // The blocking part: name lookup, TCP connect, CONNECT written. The job holds the box,
  // so a stop() meanwhile cannot free the mosquitto object under it.
  const std::string host = options_.host;
  const int port = options_.port;
  const int keepalive = options_.keepalive_s;
  work_ = loop::Work::run<std::pair<int, int>>(
      loop_,
      [box, host, port, keepalive]() -> Result<std::pair<int, int>> {
        errno = 0;
        int rc = mosquitto_connect(box->m, host.c_str(), port, keepalive);
        return std::make_pair(rc, errno);
      },
      [this](Result<std::pair<int, int>> r) { on_connect_done(std::move(r)); });
}

void MqttConnection::on_connect_done(Result<std::pair<int, int>> r) {
  if (!r.ok()) return drop(r.error().message);
  auto [rc, err] = *r;
  if (rc != MOSQ_ERR_SUCCESS) {
    std::string why = rc == MOSQ_ERR_ERRNO ? std::string(std::strerror(err))
                      : rc == MOSQ_ERR_EAI ? "cannot resolve " + options_.host
                                           : std::string(mosquitto_strerror(rc));
    return drop("connect to " + broker() + ": " + why);
  }
  int fd = mosquitto_socket(box_->m);
  // Poll a duplicate: libmosquitto closes its socket itself when the connection breaks,
  // and the loop must never watch a descriptor number that may already be reused.
  poll_fd_ = fd >= 0 ? ::fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
  if (poll_fd_ < 0) return drop(std::string("cannot watch the broker socket: ") + std::strerror(errno));
  auto poll = loop::Poll::create(loop_, poll_fd_);
  if (!poll) return drop(poll.error().message);
  poll_ = std::move(*poll);
  poll_events_ = 0;
  set_state(MqttState::handshaking);
  handshake_.start(options_.handshake_timeout_ms, 0, [this] { drop("no CONNACK from " + broker() + " in time"); });
  misc_.start(1000, 1000, [this] { on_misc(); });
  after_io();
}

void MqttConnection::on_ready(int status, int events) {
  if (!box_) return;
  if (status < 0) return drop(loop::uv_error(status, "broker socket").message);
  if (events & UV_READABLE) mosquitto_loop_read(box_->m, 1);
  if ((events & UV_WRITABLE) && mosquitto_socket(box_->m) >= 0) mosquitto_loop_write(box_->m, 1);
  deliver();
  after_io();
}

void MqttConnection::deliver() {
  if (connected_pending_) {
    connected_pending_ = false;
    if (handlers_.connected) handlers_.connected();
  }
  if (deliveries_.empty()) return;
  auto batch = std::move(deliveries_);
  deliveries_.clear();
  for (const auto& d : batch) {
    if (state_ == MqttState::stopped) return;
    if (handlers_.message) handlers_.message(d.topic, d.payload, d.retained);
  }
}

void MqttConnection::on_misc() {
  if (!box_) return;
  mosquitto_loop_misc(box_->m);
  after_io();
}

void MqttConnection::after_io() {
  if (!box_) return;
  if (mosquitto_socket(box_->m) < 0) {
    std::string why = box_->disconnect_rc ? mosquitto_strerror(box_->disconnect_rc) : "connection closed";
    if (!box_->refusal.empty()) why = box_->refusal;
    return drop(broker() + ": " + why);
  }
  update_events();
}

void MqttConnection::update_events() {
  if (!box_ || mosquitto_socket(box_->m) < 0) return;
  int want = UV_READABLE | (mosquitto_want_write(box_->m) ? UV_WRITABLE : 0);
  if (want == poll_events_) return;
  poll_events_ = want;
  // A failure here leaves the old events; the misc tick notices a dead socket.
  (void)poll_.start(want, [this](int status, int ev) { on_ready(status, ev); });
}

void MqttConnection::on_connack(int rc) {
  if (rc != 0) {
    if (box_) box_->refusal = std::string("broker refused the connection: ") + mosquitto_connack_string(rc);
    return;  // libmosquitto closes the socket; after_io notices
  }
  handshake_.stop();
  failures_ = 0;
  ++connects_;
  last_error_.clear();
  set_state(MqttState::connected);
  spdlog::info("signaling: connected to {}", broker());
  connected_pending_ = true;  // handlers run once libmosquitto has returned
}

void MqttConnection::on_message(const std::string& topic, std::span<const std::uint8_t> payload, bool retained) {
  if (deliveries_.size() >= 1024) return;  // a flood in one read: the rest is dropped
  deliveries_.push_back(Delivery{topic, std::vector<std::uint8_t>(payload.begin(), payload.end()), retained});
}

void MqttConnection::drop(const std::string& reason) {
  const bool was_connected = state_ == MqttState::connected;
  teardown();
  if (state_ == MqttState::stopped) return;
  last_error_ = reason;
  ++failures_;
  if (was_connected) {
    spdlog::warn("signaling: lost {}: {}", broker(), reason);
    if (handlers_.lost) handlers_.lost(reason);
  } else if (failures_ == 1 || failures_ % 10 == 0) {
    spdlog::warn("signaling: {} (attempt {})", reason, failures_);
  }
  schedule_retry();
}

void MqttConnection::teardown() {
  work_.cancel();
  handshake_.stop();
  misc_.stop();
  poll_.close();
  if (poll_fd_ >= 0) ::close(poll_fd_);
  poll_fd_ = -1;
  poll_events_ = 0;
  deliveries_.clear();
  connected_pending_ = false;
  if (box_) {
    box_->owner = nullptr;
    box_.reset();  // mosquitto_destroy, unless a connect job still holds it
  }
}

void MqttConnection::schedule_retry() {
  if (state_ == MqttState::stopped) return;
  std::uint64_t delay = options_.backoff_min_ms;
  for (std::uint32_t i = 1; i < failures_ && delay < options_.backoff_max_ms; ++i) delay *= 2;
  delay = std::min(delay, options_.backoff_max_ms);
  // +-25 % jitter, so that daemons restarted together do not hammer a broker together.
  const std::uint64_t quarter = delay / 4;
  if (quarter > 0) delay = delay - quarter + randombytes_uniform(static_cast<std::uint32_t>(2 * quarter + 1));
  retry_at_ms_ = loop_.now_ms() + delay;
  set_state(MqttState::waiting);
  retry_.start(delay, 0, [this] { attempt(); });
}

void MqttConnection::stop() {
  if (state_ == MqttState::stopped) return;
  if (state_ == MqttState::connected && box_) {
    mosquitto_disconnect(box_->m);  // DISCONNECT goes out now; the socket closes with the object
  }
  teardown();
  retry_.stop();
  set_state(MqttState::stopped);
}

Status MqttConnection::publish(const std::string& topic, std::span<const std::uint8_t> payload, int qos,
                               bool retain) {
  if (!connected() || !box_) return Error{"unreachable", broker() + " is not connected"};
  int rc = mosquitto_publish(box_->m, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(), qos,
                             retain);
  if (rc != MOSQ_ERR_SUCCESS) return Error{"unreachable", broker() + ": publish: " + mosquitto_strerror(rc)};
  // Bytes libmosquitto could not write yet wait for the socket to be writable. A broken
  // socket is noticed by the poll (EOF/error) or the next misc tick, not here, so that
  // a publish never re-enters the owner's handlers.
  update_events();
  return {};
}

Status MqttConnection::subscribe(const std::string& topic, int qos) {
  if (!connected() || !box_) return Error{"unreachable", broker() + " is not connected"};
  int rc = mosquitto_subscribe(box_->m, nullptr, topic.c_str(), qos);
  if (rc != MOSQ_ERR_SUCCESS) return Error{"unreachable", broker() + ": subscribe: " + mosquitto_strerror(rc)};
  update_events();
  return {};
}

Status MqttConnection::unsubscribe(const std::string& topic) {
  if (!connected() || !box_) return Error{"unreachable", broker() + " is not connected"};
  int rc = mosquitto_unsubscribe(box_->m, nullptr, topic.c_str());
  if (rc != MOSQ_ERR_SUCCESS) return Error{"unreachable", broker() + ": unsubscribe: " + mosquitto_strerror(rc)};
  update_events();
  return {};
}

}  // namespace p2pd::signaling
