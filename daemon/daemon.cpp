#include "daemon/daemon.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <p2pd/version.hpp>

#include "core/loop/bridge.hpp"
#include "core/loop/loop.hpp"
#include "core/loop/signal.hpp"
#include "core/loop/timer.hpp"
#include "core/net/interface_service.hpp"
#include "core/observe/events.hpp"
#include "core/observe/metrics.hpp"
#include "core/observe/status_board.hpp"
#include "core/pipe/pipe_manager.hpp"
#include "core/portmap/portmap_node.hpp"
#include "core/signal/signal_node.hpp"
#include "core/peer/peer_node.hpp"
#include "core/peer/peer_pipes.hpp"
#include "core/traverse/nat_service.hpp"
#include "core/traverse/turn_manager.hpp"
#include "daemon/daemon_config.hpp"
#include "daemon/fd_limit.hpp"
#include "daemon/logging.hpp"
#include "daemon/node_port.hpp"
#include "daemon/peer_book.hpp"
#include "daemon/pipe_config.hpp"
#include "core/peer/identity.hpp"
#include "daemon/state_dir.hpp"
#include "daemon/systemd_notify.hpp"
#include "daemon/signal_config.hpp"
#include "daemon/turn_config.hpp"
#include "rpc/api_server.hpp"

namespace p2pd::daemon {

namespace {

using Clock = std::chrono::steady_clock;
using observe::Readiness;

constexpr std::uint64_t kForcedExitMs = 1500;  // graceful stop must finish within 2 s
constexpr std::uint64_t kTurnReleaseMs = 1000;  // TURN deallocations may take this long at stop

net::InterfaceServiceOptions interface_options(const config::Interfaces& c) {
  net::InterfaceServiceOptions o;
  o.filter.include = c.include;
  o.filter.exclude = c.exclude;
  return o;
}

// STUN Bindings per the RFC 8489 schedule (stun.rto_ms doubling, stun.rc sends,
// stun.rm RTOs of waiting), each request capped at stun.timeout_ms and the TCP Bindings
// too; the filtering tests, where silence is the answer, at stun.filter_timeout_ms.
traverse::NatServiceOptions nat_options(const config::Stun& c) {
  traverse::NatServiceOptions o;
  o.servers = c.servers;
  o.timing.rto_ms = static_cast<std::uint64_t>(c.rto_ms);
  o.timing.max_sends = c.rc;
  o.timing.last_wait_rto = static_cast<std::uint64_t>(c.rm);
  o.timing.timeout_ms = static_cast<std::uint64_t>(c.timeout_ms);
  o.filter_timing = o.timing;
  o.filter_timing.timeout_ms = static_cast<std::uint64_t>(c.filter_timeout_ms);
  o.tcp_timing = o.timing;
  o.software = "p2pd";
  return o;
}

constexpr std::uint64_t kPortmapReleaseMs = 1000;  // mapping deletions at stop may take this long

// PCP, NAT-PMP, then UPnP IGD for the node port, each protocol given 2 s (UPnP: 2 s of
// SSDP discovery, then its SOAP calls) before the next. UPnP mappings carry the peer id.
portmap::PortmapNodeOptions portmap_options(const config::Portmap& c, std::uint16_t node_port,
                                            const std::string& peer_id) {
  portmap::PortmapNodeOptions o;
  o.enabled = c.enabled;
  o.mapper.pcp = c.pcp;
  o.mapper.natpmp = c.natpmp;
  o.mapper.upnp = c.upnp;
  o.pinholes = c.pinholes;
  o.mapper.upnp_options.description = "p2pd " + peer_id;
  // lease_s 0 (permanent) is asked as a day: PCP and NAT-PMP read lifetime 0 as "delete".
  o.mapper.lease_s = c.lease_s == 0 ? 86400 : static_cast<std::uint32_t>(c.lease_s);
  o.node_port = node_port;
  return o;
}

// The daemon's parts, owned on the loop thread, in construction order.
class Daemon {
 public:
  Daemon(const DaemonOptions& options, std::string config_path, config::Config config, std::string state_dir,
         std::string token, NodePort node_port, peer::Identity identity, peer::AddressBook* book)
      : options_(options),
        config_path_(std::move(config_path)),
        config_(std::move(config)),
        state_dir_(std::move(state_dir)),
        node_port_(node_port),
        identity_(std::move(identity)),
        started_at_(Clock::now()),
        interfaces_(loop_, interface_options(config_.node.interfaces), &events_, &status_),
        pipes_(loop_, pipe_limits(config_.pipes), &events_, &metrics_),
        turn_(loop_, turn_options(config_.turn), &metrics_, &status_, &events_),
        nat_(loop_, nat_options(config_.stun), &interfaces_, &events_, &status_),
        peers_(loop_, identity_, &interfaces_, &nat_, &status_),
        peer_pipes_(loop_, peers_, pipes_),
        portmap_(loop_, portmap_options(config_.portmap, node_port.port, identity_.peer_id()), &interfaces_, &events_, &status_),
        signal_(loop_, identity_.key_pair(), metrics_, &status_),
        bridge_(loop_),
        api_ctx_(bridge_, metrics_,
                 rpc::CoreServices{&status_, started_at_, node_port.port, &events_, &turn_, &identity_, &interfaces_,
                                   &peers_, &nat_, &pipes_, book, &peer_pipes_, &signal_, &portmap_},
                 std::move(token),
                 config_.api.token_required, std::chrono::milliseconds(config_.api.bridge_timeout_ms),
                 config_.api.max_long_polls),
        api_(api_ctx_, rpc::ApiServerOptions{config_.api.threads, config_.api.max_long_polls, config_.api.keep_alive_timeout_s,
                                             static_cast<std::size_t>(config_.api.max_body)}),
        sigterm_(loop_),
        sigint_(loop_),
        sighup_(loop_),
        watchdog_(loop_),
        forced_exit_(loop_) {}

  int run();

 private:
  std::vector<rpc::ListenRequest> listen_requests() const;
  void begin_shutdown(int signum);
  void finish_shutdown();
  void start_peers();
  void start_signaling();
  void publish_own_address();
  void reload();
  void remove_runtime_files();

  const DaemonOptions& options_;
  std::string config_path_;
  config::Config config_;
  std::string state_dir_;
  NodePort node_port_;
  peer::Identity identity_;
  Clock::time_point started_at_;

  loop::Loop loop_;
  observe::StatusBoard status_;
  observe::EventBus events_;  // GET /v1/events; subsystems publish on the loop thread
  observe::Registry metrics_;
  net::InterfaceService interfaces_;  // /v1/interfaces; publishes net.* events
  pipe::PipeManager pipes_;           // /v1/pipes; before turn_, whose allocations are pipes
  traverse::turn::TurnManager turn_;  // /v1/turn; deallocates at shutdown
  traverse::NatService nat_;          // /v1/nat; re-classifies on interface changes
  peer::PeerNode peers_;              // node port, QUIC sessions; /v1/addr (with nat_'s results), /v1/sessions
  peer::PeerPipes peer_pipes_;        // peer streams as pipes; /open, POST /v1/pipes "to"
  portmap::PortmapNode portmap_;      // maps the node port on the gateway; deletes at shutdown
  signaling::SignalNode signal_;      // MQTT brokers; our address retained; "signaling" in /v1/status
  loop::Bridge bridge_;
  rpc::ApiContext api_ctx_;
  rpc::ApiServer api_;
  loop::Signal sigterm_, sigint_, sighup_;
  loop::Timer watchdog_, forced_exit_;
  std::thread api_stopper_;
  std::vector<std::string> api_unix_sockets_;  // removed by every exit path, the forced one too
  bool stopping_ = false;
  bool api_stopped_ = false;
  bool turn_released_ = false;
  bool portmap_released_ = false;
};

std::vector<rpc::ListenRequest> Daemon::listen_requests() const {
  const auto defaults = config::defaults().api.listen;
  const std::string socket_dir = runtime_dir_or(state_dir_);
  std::vector<rpc::ListenRequest> out;
  for (const auto& text : config_.api.listen) {
    auto ep = net::ListenEndpoint::parse(text);
    if (!ep.ok()) continue;  // validated at load time
    if (ep->is_unix() && !ep->unix_path.empty() && ep->unix_path.front() != '/')
      ep->unix_path = socket_dir + "/" + ep->unix_path;
    bool is_default = options_.api_listen.empty() && std::find(defaults.begin(), defaults.end(), text) != defaults.end();
    out.push_back(rpc::ListenRequest{*ep, is_default});
  }
  return out;
}

int Daemon::run() {
  // Before api.endpoints exists: a test (or systemd) that signals as soon as it sees the
  // file must not meet the default actions (SIGHUP would kill the process). The handlers
  // run on the loop, so nothing happens before loop_.run().
  auto on_stop = [this](int signum) { begin_shutdown(signum); };
  (void)sigterm_.start(SIGTERM, on_stop);
  (void)sigint_.start(SIGINT, on_stop);
  (void)sighup_.start(SIGHUP, [this](int) { reload(); });
  if (auto fds = raise_fd_limit(); fds.error != 0)
    spdlog::warn("open files: cannot raise the soft limit ({}): {}", fds.before, std::strerror(fds.error));
  else if (fds.now != fds.before)
    spdlog::info("open files: soft limit raised from {} to {} (hard limit {})", fds.before, fds.now, fds.hard);
  else
    spdlog::debug("open files: soft limit {} (hard {})", fds.now, fds.hard);
  auto bound = api_.bind(listen_requests());
  if (!bound.ok()) {
    spdlog::critical("{}", bound.error().message);
    return 1;
  }
  std::string endpoints;
  for (const auto& e : *bound) {
    endpoints += e + "\n";
    if (e.starts_with("unix:")) api_unix_sockets_.push_back(e.substr(5));
  }
  const auto now = loop_.now_ms();
  status_.set("api", Readiness::ready, fmt::format("listening on {}", fmt::join(*bound, ", ")), now);
  interfaces_.start();
  nat_.start();
  portmap_.start();
  // UDP allocations and RFC 6062 connections become pipes of their own names.
  turn_.set_pipes(
      [this](const std::string& name, std::unique_ptr<pipe::Transport> transport) {
        return pipes_.add(std::move(transport), pipe::AddSpec{name, {}, {}});
      },
      [this](const std::string& name) { (void)pipes_.close(name, "its TURN allocation ended"); });
  start_peers();
  start_signaling();

  if (auto ms = watchdog_ping_interval_ms(); ms > 0) {
    watchdog_.start(0, ms, [] { notify_watchdog(); });
    spdlog::debug("watchdog: pinging every {} ms", ms);
  }

  // api.endpoints tells clients (and tests) that the daemon is up: written last.
  if (auto w = write_file_atomically(state_dir_ + "/api.endpoints", endpoints, 0600); !w.ok()) {
    spdlog::critical("{}", w.error().message);
    return 1;
  }
  api_.start();
  auto ready_ms = std::chrono::duration<double, std::milli>(Clock::now() - started_at_).count();
  notify_ready(fmt::format("API on {}", fmt::join(*bound, ", ")));
  spdlog::info("p2pd {} ready in {:.1f} ms (state {}, peer port {} from {})", build::version_full, ready_ms,
               state_dir_, node_port_.port, node_port_.source);

  loop_.run();
  if (api_stopper_.joinable()) api_stopper_.join();
  remove_runtime_files();
  spdlog::info("stopped");
  return 0;
}

void Daemon::begin_shutdown(int signum) {
  if (stopping_) {
    spdlog::warn("second signal ({}): exiting now", strsignal(signum));
    remove_runtime_files();
    std::_Exit(0);
  }
  stopping_ = true;
  spdlog::info("{}: shutting down", strsignal(signum));
  notify_stopping();
  watchdog_.stop();
  events_.close();  // wakes event-stream readers first, so their HTTP threads can finish
  // HTTP workers may be waiting on the bridge, so the loop keeps running while another
  // thread stops the API; it then hands control back to finish the shutdown here.
  // TURN allocations are deleted on their servers meanwhile (bounded by kTurnReleaseMs).
  turn_.shutdown(kTurnReleaseMs, [this] {
    turn_released_ = true;
    if (api_stopped_ && portmap_released_) finish_shutdown();
  });
  portmap_.shutdown(kPortmapReleaseMs, [this] {
    portmap_released_ = true;
    if (api_stopped_ && turn_released_) finish_shutdown();
  });
  // Pending opens and long polls are answered, pipes and servers closed (TCP pipes
  // flush in the background until finish_shutdown).
  pipes_.shutdown();
  signal_.stop();  // DISCONNECT now; waiting signaling requests answer "shutting_down"
  api_stopper_ = std::thread([this] {
    api_.stop();
    auto stopped = [this] {
      api_stopped_ = true;
      if (turn_released_ && portmap_released_) finish_shutdown();
    };
    if (!bridge_.post(stopped)) spdlog::warn("api stopped after the loop closed");
  });
  forced_exit_.start(kForcedExitMs, 0, [this] {
    spdlog::warn("shutdown took longer than {} ms: exiting now", kForcedExitMs);
    remove_runtime_files();
    spdlog::default_logger()->flush();
    std::_Exit(0);
  });
}

void Daemon::start_peers() {
  peer::PeerServiceOptions o;
  o.port = node_port_.port;
  auto incoming = [this](peer::PeerStream s, std::string name) { peer_pipes_.on_incoming(std::move(s), name); };
  if (peers_.start(o, incoming)) return;
  // A host without IPv6 (or with it disabled) still gets IPv4 peer connections.
  o.ipv6 = false;
  if (peers_.start(o, incoming)) spdlog::warn("peer: IPv6 node port unavailable; IPv4 only");
}

// Connects to the configured brokers and keeps our address retained on them, published
// again whenever it changes (interfaces, NAT results, brokers).
void Daemon::start_signaling() {
  interfaces_.subscribe([this](const net::Snapshot&, const std::vector<net::NetChange>&) { publish_own_address(); });
  nat_.set_on_result([this] { publish_own_address(); });
  peers_.set_signaling(signal_channels(config_.signaling));
  signal_.set_brokers(signal_brokers(config_.signaling));
  publish_own_address();
}

void Daemon::publish_own_address() {
  if (stopping_) return;
  auto a = peers_.own_address();
  if (a) signal_.set_address(proto::peer::serialize(*a));
}

void Daemon::finish_shutdown() {
  peers_.stop();
  nat_.close();
  portmap_.close();
  pipes_.abort_lingering();
  interfaces_.close();
  forced_exit_.close();
  watchdog_.close();
  sigterm_.close();
  sigint_.close();
  sighup_.close();
  bridge_.close();  // the loop now has nothing active and run() returns
}

void Daemon::reload() {
  notify_reloading();
  auto fresh = load_daemon_config(config_path_, options_.api_listen, options_.log_level);
  if (!fresh.errors.empty()) {
    for (const auto& e : fresh.errors) spdlog::error("reload: {}", e);
    spdlog::error("reload: config rejected, keeping the running one");
    notify_ready("reload rejected");
    return;
  }
  auto changed = config::changed_paths(config_, fresh.config);
  std::vector<std::string> need_restart;
  for (const auto& path : changed)
    if (!config::applies_without_restart(path)) need_restart.push_back(path);
  set_log_level(fresh.config.log.level);
  // Keys that need a restart keep their running values until then.
  config_.log = fresh.config.log;
  if (config_.stun.servers != fresh.config.stun.servers) {
    config_.stun.servers = fresh.config.stun.servers;
    nat_.set_servers(config_.stun.servers);  // and classifies again
  }
  config_.turn.servers = fresh.config.turn.servers;
  config_.turn.lifetime_s = fresh.config.turn.lifetime_s;
  config_.turn.timeout_ms = fresh.config.turn.timeout_ms;
  turn_.set_options(turn_options(config_.turn));
  config_.signaling.mqtt.brokers = fresh.config.signaling.mqtt.brokers;
  peers_.set_signaling(signal_channels(config_.signaling));
  signal_.set_brokers(signal_brokers(config_.signaling));
  publish_own_address();
  spdlog::info("reload: {} ({} change(s))", fresh.source, changed.size());
  if (!need_restart.empty())
    spdlog::warn("reload: these settings take effect after a restart: {}", fmt::join(need_restart, ", "));
  notify_ready("reloaded");
}

void Daemon::remove_runtime_files() {
  ::unlink((state_dir_ + "/api.endpoints").c_str());
  // The API threads may still hold the listening sockets (forced exit); unlinking the
  // paths is safe then and keeps a stopped daemon from leaving socket files behind.
  for (const auto& path : api_unix_sockets_) ::unlink(path.c_str());
}

}  // namespace

int run_daemon(const DaemonOptions& options) {
  const std::string config_path = resolve_config_path(options.config_path);
  auto loaded = load_daemon_config(config_path, options.api_listen, options.log_level);
  if (!loaded.errors.empty()) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "p2pd: %s\n", e.c_str());
    return 2;
  }
  setup_logging(loaded.config.log.level);
  spdlog::info("p2pd {} starting (config: {})", build::version_full, loaded.source);

  if (sodium_init() < 0) {
    spdlog::critical("libsodium failed to initialise");
    return 1;
  }
  const std::string state_dir = resolve_state_dir(options.state_dir);
  if (auto st = ensure_private_dir(state_dir); !st.ok()) {
    spdlog::critical("{}", st.error().message);
    return 1;
  }
  auto token = load_or_create_token(state_dir);
  if (!token.ok()) {
    spdlog::critical("{}", token.error().message);
    return 1;
  }
  auto node_port = resolve_node_port(state_dir, loaded.config.node.port);
  if (!node_port.ok()) {
    spdlog::critical("{}", node_port.error().message);
    return 1;
  }
  auto identity = peer::load_or_create_identity(state_dir);
  if (!identity.ok()) {
    spdlog::critical("{}", identity.error().message);
    return 1;
  }
  spdlog::info("peer id {}", identity->peer_id());
  peer::AddressBook book(book_writer(state_dir));  // outlives the Daemon and its API threads
  if (auto st = load_book_file(state_dir, book); !st.ok()) {
    spdlog::critical("{}", st.error().message);
    return 1;
  }
  if (book.size() > 0) spdlog::info("address book: {} peers", book.size());
  // Writes to a vanished API client must not kill the daemon.
  ::signal(SIGPIPE, SIG_IGN);

  Daemon daemon(options, config_path, std::move(loaded.config), state_dir, std::move(*token), *node_port,
                std::move(*identity), &book);
  return daemon.run();
}

}  // namespace p2pd::daemon
