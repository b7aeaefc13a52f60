#pragma once
// One TURN allocation on the loop, with server failover: resolves each configured
// server (names on the threadpool), opens a control link (UDP, TCP or TLS), runs an
// Allocation on it and drives its timer. An attempt that fails moves on to the next
// address, then the next server; 437 Allocation Mismatch is retried once from a new
// local port first, and 300 Try Alternate tries the alternate server next. Once
// allocated, the allocation's traffic and RFC 6062 data connections go through here.
//
// Terminal events (on_failed, on_released) run on a later loop turn, so the owner may
// destroy the client from inside them. Loop thread only.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/loop/work.hpp"
#include "core/net/endpoint.hpp"
#include "core/observe/metrics.hpp"
#include "core/traverse/loop_clock.hpp"
#include "core/traverse/turn_allocation.hpp"
#include "core/traverse/turn_connection_bind.hpp"
#include "core/traverse/turn_socket_link.hpp"

namespace p2pd::traverse::turn {

enum class ServerTransport { udp, tcp, tls };
std::string_view transport_name(ServerTransport t);

struct TurnServer {
  std::string host;  // a name or an address
  std::uint16_t port = 3478;
  ServerTransport transport = ServerTransport::udp;
  std::string username;
  std::string password;  // never logged, never shown
  // transport tls: the CAs to trust ("" = the system store) and the name the
  // certificate must carry ("" = host; an IP address is matched against IP SANs).
  std::string ca_file;
  std::string server_name;
  const std::string& tls_name() const { return server_name.empty() ? host : server_name; }
  std::string describe() const;  // "198.51.100.20:3478 udp" (no credentials)
};

// Totals a client adds to as data moves (metrics); any may be null.
struct ClientMeters {
  observe::Counter* bytes_sent = nullptr;
  observe::Counter* bytes_received = nullptr;
  observe::Counter* datagrams_sent = nullptr;
  observe::Counter* datagrams_received = nullptr;
};

struct ClientOptions {
  std::vector<TurnServer> servers;  // tried in order
  // What to allocate (username and password come from each server).
  AllocationOptions allocation;
  std::optional<net::IpAddress> local_address;  // bind control sockets here (default: any)
  ClientMeters meters;
};

// An RFC 6062 data connection after ConnectionBind: a plain TCP stream to the peer.
struct BoundConnection {
  loop::Tcp tcp;
  std::vector<std::uint8_t> initial;  // peer bytes that came with the ConnectionBind response
  net::Endpoint peer;
  std::uint32_t connection_id = 0;
};

enum class ClientState { starting, allocated, releasing, released, failed };
std::string_view state_name(ClientState s);

class TurnClient {
 public:
  struct Events {
    std::function<void()> on_allocated;
    std::function<void(const Error&)> on_failed;  // every server failed, or the allocation was lost
    std::function<void()> on_released;
    std::function<void(const net::Endpoint& peer, std::span<const std::uint8_t> data)> on_data;
    std::function<void(BoundConnection)> on_incoming;  // a peer connected to a TCP allocation
  };

  TurnClient(loop::Loop& loop, ClientOptions options, Events events);
  ~TurnClient();  // closes everything without deallocating: release() first
  TurnClient(const TurnClient&) = delete;
  TurnClient& operator=(const TurnClient&) = delete;

  void start();
  // Deletes the allocation on the server; on_released follows (also when the server
  // does not answer, after the transaction timeout).
  void release();

  // Pass-throughs to the allocation (errors "unavailable" before it exists).
  Status send(const net::Endpoint& peer, std::span<const std::uint8_t> data);
  void permit(const net::Endpoint& peer, std::function<void(Status)> done);
  void revoke(const net::Endpoint& peer);
  void bind_channel(const net::Endpoint& peer, std::function<void(Result<std::uint16_t>)> done);
  // RFC 6062: Connect, then a data connection bound to it.
  void connect(const net::Endpoint& peer, std::function<void(Result<BoundConnection>)> done);

  ClientState state() const { return state_; }
  const std::optional<Error>& error() const { return error_; }
  const Allocation* allocation() const { return alloc_.get(); }
  std::optional<net::Endpoint> relayed() const;
  std::optional<net::Endpoint> mapped() const;
  std::optional<net::Endpoint> local() const { return link_ ? link_->local() : std::nullopt; }
  // Bytes sent and not yet taken by the kernel (senders wait while it is not 0).
  std::size_t backlog() const { return link_ ? link_->backlog() : 0; }
  // The server in use (or last tried) and its address.
  const TurnServer* server() const;
  std::optional<net::Endpoint> server_endpoint() const;
  const std::vector<std::string>& attempts() const { return attempts_; }  // "server: error" per failed try
  std::uint64_t now_ms() const { return loop_.now_ms(); }

 private:
  struct PendingBind {
    std::unique_ptr<TcpConnector> connector;
    loop::Timer deadline;
    loop::Tcp tcp;
    std::unique_ptr<ConnectionBinder> binder;
    std::uint32_t connection_id = 0;
    net::Endpoint peer;
    bool retried = false;
    std::uint64_t started_us = 0;
    std::uint64_t connected_us = 0;
    std::function<void(Result<BoundConnection>)> done;
  };

  void next_server();
  void try_address();
  void open_attempt(const net::Endpoint& server_ep);
  void attempt_failed(const Error& error);
  void give_up();
  void arm();
  void retire();  // the current link and allocation are done: destroy them next turn
  void later(std::function<void()> fn);     // on the next loop turn
  void terminal(std::function<void()> fn);  // the last thing this client does (next turn)
  void start_bind(std::uint32_t connection_id, const net::Endpoint& peer, bool retried,
                  std::function<void(Result<BoundConnection>)> done);
  void on_bind_bytes(std::uint64_t key, std::span<const std::uint8_t> bytes);
  void finish_bind(std::uint64_t key, Result<BoundConnection> result);

  loop::Loop& loop_;
  ClientOptions options_;
  Events events_;
  LoopClock clock_;
  ClientState state_ = ClientState::starting;
  std::optional<Error> error_;
  std::unique_ptr<SocketLink> link_;
  std::unique_ptr<Allocation> alloc_;
  loop::Timer timer_;
  loop::Timer later_;
  std::optional<std::uint64_t> armed_at_;
  loop::Work resolving_;
  std::vector<std::unique_ptr<SocketLink>> dead_links_;
  std::vector<std::unique_ptr<Allocation>> dead_allocs_;
  std::vector<std::function<void()>> later_fns_;
  std::function<void()> terminal_;
  std::size_t server_index_ = 0;
  std::vector<net::Endpoint> endpoints_;  // of the current server, still to try
  bool mismatch_retried_ = false;
  bool alternate_tried_ = false;
  std::optional<net::Endpoint> current_endpoint_;
  std::vector<std::string> attempts_;
  std::optional<Error> first_error_;
  std::map<std::uint64_t, PendingBind> binds_;
  std::uint64_t next_bind_ = 1;
};

}  // namespace p2pd::traverse::turn
