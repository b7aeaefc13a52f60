#pragma once
// The daemon's TURN allocations by id (GET/POST/DELETE /v1/turn): creates them on the
// configured servers (TurnClient, with failover), makes each one a pipe of the same
// name when a pipe maker is wired in (UDP allocations: a datagram pipe; TCP allocations:
// one stream pipe "<id>.<n>" per RFC 6062 connection), keeps the "turn" status and the
// p2pd_turn_* metrics, publishes turn.* events and deallocates everything at shutdown.
// Passwords stay inside; views never show them. Loop thread only.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/observe/events.hpp"
#include "core/observe/metrics.hpp"
#include "core/observe/status_board.hpp"
#include "core/pipe/transport.hpp"
#include "core/traverse/turn_client.hpp"
#include "core/traverse/turn_relay_hub.hpp"

namespace p2pd::traverse::turn {

struct ManagerOptions {
  std::vector<TurnServer> servers;
  std::uint32_t lifetime_s = 600;
  Timing timing;
  std::uint64_t keepalive_ms = 15000;
  std::optional<net::IpAddress> local_address;
};

struct CreateRequest {
  std::string id;                         // "" picks "turn<N>"
  std::optional<std::size_t> server;      // index into the servers; none: all, in order (failover)
  bool tcp_relay = false;                 // RFC 6062 TCP allocation
  AddressFamily family = AddressFamily::v4;
  std::optional<std::uint32_t> lifetime_s;
  std::optional<net::Endpoint> peer;      // the pipe's default destination
};

// Makes a pipe of a transport (the daemon wires PipeManager::adopt in); returns the
// pipe's name or the error.
using PipeMaker = std::function<Result<std::string>(const std::string& name, std::unique_ptr<pipe::Transport>)>;
using PipeCloser = std::function<void(const std::string& name)>;

class TurnManager {
 public:
  TurnManager(loop::Loop& loop, ManagerOptions options, observe::Registry* metrics = nullptr,
              observe::StatusBoard* status = nullptr, observe::EventBus* events = nullptr);
  ~TurnManager();
  TurnManager(const TurnManager&) = delete;
  TurnManager& operator=(const TurnManager&) = delete;

  // New allocations use these (SIGHUP); existing ones keep their server.
  void set_options(ManagerOptions options);
  void set_pipes(PipeMaker make, PipeCloser close);

  // Allocates; done(view) once allocated, or the error (the entry is then dropped).
  // Errors: "bad_request", "conflict" (id in use), "unavailable" (no servers, shutting
  // down), and the allocation's own (turn_auth, turn_refused, timeout, ...).
  void create(CreateRequest request, std::function<void(Result<nlohmann::json>)> done);
  nlohmann::json list() const;                        // {"servers":[...], "allocations":[...]}
  Result<nlohmann::json> get(const std::string& id) const;
  // "not_found"; the entry goes once released, then `done` runs (deleted on the
  // server, or given up after the transaction timeout).
  Status release(const std::string& id, std::function<void()> done = {});
  void permit(const std::string& id, const net::Endpoint& peer, std::function<void(Status)> done);
  Status revoke(const std::string& id, const net::Endpoint& peer);
  void bind_channel(const std::string& id, const net::Endpoint& peer, std::function<void(Result<std::uint16_t>)> done);
  // RFC 6062: a TCP connection to peer through the relay, as pipe "<id>.<n>": done(name).
  void connect(const std::string& id, const net::Endpoint& peer, std::function<void(Result<std::string>)> done);
  // One datagram through a UDP allocation (the pipe routes do the same through its pipe).
  Status send(const std::string& id, const net::Endpoint& peer, std::span<const std::uint8_t> data);

  // The allocation's datagram hub, for a peer Path (null: no such UDP allocation).
  std::shared_ptr<RelayHub> hub(const std::string& id) const;

  // Daemon stop: releases every allocation; done once all are released or after
  // `deadline_ms` (allocations still waiting for the server are then dropped).
  void shutdown(std::uint64_t deadline_ms, std::function<void()> done);
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry;
  void on_allocated(Entry& e);
  void on_failed(const std::string& id, const Error& error);
  void on_released(const std::string& id);
  void on_incoming(Entry& e, BoundConnection connection);
  Result<std::string> adopt_stream(Entry& e, BoundConnection connection);
  void update_status();
  void publish(const std::string& type, nlohmann::json data);
  nlohmann::json view(const Entry& e) const;
  void erase_later(const std::string& id);
  void maybe_finish_shutdown();

  loop::Loop& loop_;
  ManagerOptions options_;
  observe::StatusBoard* status_;
  observe::EventBus* events_;
  PipeMaker make_pipe_;
  PipeCloser close_pipe_;
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> entries_;
  std::vector<std::unique_ptr<Entry>> dead_;
  loop::Timer reaper_;
  loop::Timer shutdown_timer_;
  std::function<void()> shutdown_done_;
  bool shutting_down_ = false;
  std::uint64_t next_id_ = 1;
  std::optional<std::string> last_failure_;
  // Metrics (a null registry: private ones nobody reads).
  observe::Registry own_metrics_;
  observe::Gauge& active_;
  observe::Counter& allocated_total_;
  observe::Counter& failed_total_;
  observe::Counter& released_total_;
  observe::Counter& lost_total_;
  observe::Counter& bytes_sent_;
  observe::Counter& bytes_received_;
  observe::Counter& datagrams_sent_;
  observe::Counter& datagrams_received_;
  observe::Counter& dropped_;
  observe::Counter& connections_;
};

}  // namespace p2pd::traverse::turn
