#pragma once
// Peer pipes: pipes (core/pipe) carried by QUIC streams to other daemons, so every pipe
// operation (send, recv, subscriptions, forward, tunnel) works on a peer unchanged.
//
//   peer_pipes.open("chat", PeerTarget{false, address}, options, done);  // dials or reuses
//   // the other daemon gets pipe "in.chat.<n>", which answers P2PD's test string
//
// An outgoing pipe is named by the caller; its stream carries that name in its open
// header. An incoming stream named S becomes the pipe "in.<S>.<n>" (S reduced to pipe-name
// characters, n counting up), announced as pipe.opened like any other. Both kinds show
// the peer, its session and the path under "peer" in /v1/pipes (Transport::details).
// Loop thread only.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/loop/loop.hpp"
#include "core/peer/peer_node.hpp"
#include "core/pipe/pipe_manager.hpp"
#include "core/proto/peer_address.hpp"

namespace p2pd::peer {

// Where a peer pipe goes: this daemon itself, or the peer at an address; `path` forces
// the kind of path its session runs over (PeerService::open), unset = any.
struct PeerTarget {
  bool self = false;
  proto::peer::PeerAddress address;
  std::optional<PathKind> path;
};

struct PeerPipeStats {
  std::uint64_t opened = 0;        // outgoing pipes made
  std::uint64_t open_failures = 0; // dial or stream failures, name clashes
  std::uint64_t accepted = 0;      // incoming streams that became pipes
  std::uint64_t refused = 0;       // incoming streams reset (no room, shutting down)
};

class PeerPipes {
 public:
  PeerPipes(loop::Loop& loop, PeerNode& node, pipe::PipeManager& pipes);
  ~PeerPipes();
  PeerPipes(const PeerPipes&) = delete;
  PeerPipes& operator=(const PeerPipes&) = delete;

  // Opens a stream named `name` to `target` and makes it the pipe `name`. `done` runs once,
  // perhaps at once. Errors: the pipe manager's name errors ("bad_request",
  // "reserved_name", "conflict"), "unavailable" (no node port, shutting down), and the
  // dial's ("unreachable", "timeout", "peer_mismatch", ...).
  void open(std::string name, PeerTarget target, pipe::PipeOptions options,
            std::function<void(Result<pipe::PipeInfo>)> done);

  // PeerService's IncomingFn: a stream a peer opened, with its header name.
  void on_incoming(PeerStream stream, const std::string& stream_name);

  const PeerPipeStats& stats() const { return stats_; }

 private:
  std::unique_ptr<pipe::Transport> transport_for(PeerStream stream, std::string direction, std::string stream_name,
                                                 std::optional<PathKind> requested_path);
  std::string incoming_name(const std::string& stream_name);

  loop::Loop& loop_;
  PeerNode& node_;
  pipe::PipeManager& pipes_;
  std::set<std::string, std::less<>> opening_;  // names of outgoing pipes being dialed
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::uint64_t next_incoming_ = 1;
  PeerPipeStats stats_;
};

// "in.<name>.<n>" for an incoming stream named `stream_name`: characters outside
// [A-Za-z0-9_.-] become '_', at most 40 of them are kept, an empty name is "stream".
std::string incoming_pipe_name(std::string_view stream_name, std::uint64_t n);

}  // namespace p2pd::peer
