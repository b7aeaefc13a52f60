#pragma once
// All pipes, servers, forwards and tunnels of one daemon (or one C++ program), by name.
// The REST layer reaches it only through the bridge; everything here runs on the loop
// thread. Names follow [A-Za-z0-9_.-]{1,64}; "all" and "self" are reserved, and so is
// "<server>.<n>" while that server exists (its pipes are named so).
//
// Closed pipes leave the name table at once and are destroyed on the next loop turn
// (so a pipe may close itself from inside its own callbacks). Events go to the bus:
// pipe.opened, pipe.closed, server.started, server.stopped, forward.opened, tunnel.opened.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/observe/events.hpp"
#include "core/observe/metrics.hpp"
#include "core/pipe/connector.hpp"
#include "core/pipe/lingerer.hpp"
#include "core/pipe/pipe.hpp"
#include "core/pipe/pipe_limits.hpp"
#include "core/pipe/server.hpp"

namespace p2pd::pipe {

// What a transport built elsewhere becomes (PipeManager::add): a QUIC stream to a peer,
// a TURN relay, a C++ user's own channel. The manager neither knows nor cares.
struct AddSpec {
  std::string name;              // "": the manager picks "<prefix><n>", the first free one
  std::string prefix = "pipe";
  PipeOptions options;           // framing (streams), test string answer
};

class PipeManager final : private PipeObserver, private ServerHost {
 public:
  PipeManager(loop::Loop& loop, PipeLimits limits, observe::EventBus* events = nullptr,
              observe::Registry* metrics = nullptr);
  ~PipeManager();
  PipeManager(const PipeManager&) = delete;
  PipeManager& operator=(const PipeManager&) = delete;

  const PipeLimits& limits() const { return limits_; }

  // A client pipe (TCP or UDP to host:port). `done` runs once, perhaps at once. Errors:
  // "bad_request", "conflict" (name in use), "reserved_name", "too_many", "unreachable",
  // "timeout", "unavailable" (shutting down).
  void open(OpenSpec spec, std::function<void(Result<PipeInfo>)> done);
  // Makes a pipe of a transport built elsewhere and starts it; returns the pipe's name.
  // Errors as for open() ("bad_request", "conflict", "reserved_name", "too_many",
  // "unavailable") or the transport's start() error; the transport is destroyed then.
  Result<std::string> add(std::unique_ptr<Transport> transport, AddSpec spec = {});
  // The same, returning the pipe itself (valid until it closes and is reaped).
  Result<Pipe*> adopt(std::string name, std::unique_ptr<Transport> transport, PipeOptions options);

  Pipe* find(std::string_view name);
  Result<Pipe*> get(const std::string& name);  // "not_found"
  std::vector<PipeInfo> list() const;
  std::size_t size() const { return pipes_.size(); }
  Status close(const std::string& name, std::string reason = "closed by request");
  // Is `name` free for a new pipe? "bad_request", "reserved_name", "conflict".
  Status check_new_name(const std::string& name) const;
  // Is there room for one more pipe, with `pending_elsewhere` pipes being opened by
  // other code (peer pipes) on top of ours? "too_many", "unavailable" (shutting down).
  Status check_room(std::size_t pending_elsewhere = 0) const;

  Result<ServerInfo> start_server(ServerSpec spec);
  Status stop_server(const std::string& name);  // closes its pipes too
  Result<ServerInfo> server(const std::string& name) const;
  std::vector<ServerInfo> servers() const;

  // A loopback port carrying the pipe's bytes (TCP) or datagrams (UDP).
  Result<net::Endpoint> forward(const std::string& pipe, const net::Endpoint& listen);
  Status unforward(const std::string& pipe);
  // Can `pipe` take a relay now? ("not_found", "conflict", "closed")
  Status can_attach(const std::string& pipe);
  // Relays an already connected stream socket (GET /tunnel).
  Status tunnel(const std::string& pipe, loop::Tcp conn);
  // The same for a plain connected TCP socket handed over by another thread's code
  // (the HTTP listener's takeover hook): adopted in every case, closed on error.
  Status tunnel_socket(const std::string& pipe, int fd);

  // Daemon stop: pending opens and pulls are answered, pipes and servers closed;
  // later calls fail with "unavailable".
  void shutdown();
  bool shutting_down() const { return shutting_down_; }
  // The loop must end now: sockets still flushing are closed.
  void abort_lingering();

 private:
  // PipeObserver
  void on_pipe_closed(Pipe& pipe) override;
  void on_pipe_traffic(bool inbound, std::size_t bytes) override;
  void on_pipe_drop(std::size_t messages) override;
  // ServerHost
  bool has_room() const override;
  bool name_taken(const std::string& name) const override;
  Pipe* add_pipe(Server& server, std::string name, std::unique_ptr<Transport> transport) override;
  Pipe* find_pipe(const std::string& name) override { return find(name); }
  void close_pipe(const std::string& name, std::string reason) override { (void)close(name, std::move(reason)); }

  Result<Pipe*> register_pipe(std::string name, std::unique_ptr<Transport> transport, PipeOptions options);
  void publish(std::string type, nlohmann::json data);
  void schedule_reap();

  loop::Loop& loop_;
  PipeLimits limits_;
  observe::EventBus* events_;
  Lingerer lingerer_;
  std::map<std::string, std::unique_ptr<Server>, std::less<>> servers_;
  std::map<std::string, std::unique_ptr<Pipe>, std::less<>> pipes_;
  std::map<std::string, std::unique_ptr<Connector>, std::less<>> opening_;
  std::vector<std::unique_ptr<Pipe>> dead_pipes_;
  std::vector<std::unique_ptr<Connector>> dead_connectors_;
  loop::Timer reaper_;
  bool shutting_down_ = false;
  std::uint64_t next_auto_name_ = 1;
  // Metrics (null registry: private counters nobody reads).
  observe::Registry own_metrics_;
  observe::Gauge& open_gauge_;
  observe::Counter& bytes_in_;
  observe::Counter& bytes_out_;
  observe::Counter& dropped_;
  observe::Counter& opened_;
};

}  // namespace p2pd::pipe
