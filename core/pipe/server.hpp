#pragma once
// A Server listens on several addresses x protocols at once (listen_plan.hpp) and turns
// what arrives into pipes named "<server>.<n>": each accepted TCP connection, and each
// new sender on a UDP socket (demultiplexed by sender address, udp_port.hpp). UDP sender
// pipes that stay silent for udp_idle_ms expire. Port 0 means "pick one": the first
// socket gets a port from the kernel and the others try the same number (falling back
// to their own when it is taken); the chosen ports are in info(). Loop thread only.
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/pipe/framing.hpp"
#include "core/pipe/lingerer.hpp"
#include "core/pipe/listen_plan.hpp"
#include "core/pipe/pipe.hpp"
#include "core/pipe/pipe_limits.hpp"
#include "core/pipe/udp_port.hpp"

namespace p2pd::pipe {

struct ServerSpec {
  std::string name;
  ListenPlanSpec where;                   // interfaces, addresses, families
  bool tcp = true;
  bool udp = false;
  std::uint16_t port = 0;                 // 0: pick one
  Framing framing = Framing::raw;         // of the TCP pipes it makes
  std::optional<bool> answer_test_string; // default: PipeLimits::answer_test_string
  std::optional<std::uint64_t> udp_idle_ms;
};

struct ListenerInfo {
  std::string proto;  // "tcp" | "udp"
  net::Endpoint local;
  std::string interface;
};

struct ServerInfo {
  std::string name;
  std::vector<ListenerInfo> listeners;
  std::vector<std::string> pipes;         // its open pipes
  std::string framing;
  bool answer_test_string = false;
  std::uint64_t udp_idle_ms = 0;
  std::uint64_t accepted = 0;             // TCP connections made pipes
  std::uint64_t udp_senders = 0;          // UDP senders made pipes
  std::uint64_t refused = 0;              // connections/senders over a limit
  std::uint64_t dropped_datagrams = 0;    // from senders that could not get a pipe
  std::uint64_t expired = 0;              // idle UDP sender pipes closed
  std::uint64_t created_ms = 0;
};

class Server;

// The PipeManager's side: it names, registers and closes the pipes a server makes.
class ServerHost {
 public:
  virtual bool has_room() const = 0;
  virtual bool name_taken(const std::string& name) const = 0;
  // Registers and starts a pipe for `server`; null if it could not start.
  virtual Pipe* add_pipe(Server& server, std::string name, std::unique_ptr<Transport> transport) = 0;
  virtual Pipe* find_pipe(const std::string& name) = 0;
  virtual void close_pipe(const std::string& name, std::string reason) = 0;

 protected:
  ~ServerHost() = default;
};

class Server {
 public:
  Server(loop::Loop& loop, const PipeLimits& limits, Lingerer& lingerer, ServerHost& host, ServerSpec spec);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every target for every protocol, all or nothing.
  Status start(const std::vector<BindTarget>& targets);
  void stop();  // closes the listeners (the host closes the pipes)

  const std::string& name() const { return spec_.name; }
  PipeOptions child_options() const;
  void forget(const std::string& pipe_name);  // a pipe it made has closed
  const std::set<std::string>& children() const { return children_; }
  ServerInfo info() const;

 private:
  Status bind_one(const BindTarget& target, bool tcp, std::uint16_t& chosen_port);
  void on_accept(loop::Tcp& listener);
  void on_new_sender(const std::shared_ptr<UdpPort>& port, std::span<const std::uint8_t> data,
                     const net::Endpoint& from);
  std::string next_name();
  void sweep_idle();

  loop::Loop& loop_;
  const PipeLimits& limits_;
  Lingerer& lingerer_;
  ServerHost& host_;
  ServerSpec spec_;
  std::uint64_t idle_ms_;
  std::vector<std::unique_ptr<loop::Tcp>> tcp_listeners_;
  std::vector<std::shared_ptr<UdpPort>> udp_ports_;
  std::vector<ListenerInfo> listeners_;
  std::set<std::string> children_;
  std::set<std::string> udp_children_;
  std::uint64_t next_ = 1;
  loop::Timer sweeper_;
  ServerInfo counters_;
};

}  // namespace p2pd::pipe
