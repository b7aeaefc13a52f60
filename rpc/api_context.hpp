#pragma once
// What route handlers share. Core objects are reached only inside bridge.call lambdas
// (they run on the loop thread); everything else here is immutable or thread-safe.
#include <chrono>
#include <cstdint>
#include <string>

#include "core/loop/bridge.hpp"
#include "core/net/interface_service.hpp"
#include "core/observe/events.hpp"
#include "core/observe/metrics.hpp"
#include "core/observe/status_board.hpp"
#include "core/peer/address_book.hpp"
#include "core/peer/identity.hpp"
#include "core/peer/peer_node.hpp"
#include "core/peer/peer_pipes.hpp"
#include "core/pipe/pipe_manager.hpp"
#include "core/signal/signal_node.hpp"
#include "core/traverse/nat_service.hpp"
#include "core/traverse/turn_manager.hpp"
#include "rpc/long_poll_gate.hpp"

namespace p2pd::rpc {

// Loop-thread objects the routes may touch through the bridge. Later capabilities add
// their managers here.
struct CoreServices {
  observe::StatusBoard* status = nullptr;
  std::chrono::steady_clock::time_point started_at{};
  std::uint16_t node_port = 0;  // the peer port (UDP and TCP), daemon/node_port.hpp
  observe::EventBus* events = nullptr;  // the daemon's event stream (loop thread only)
  traverse::turn::TurnManager* turn = nullptr;  // TURN allocations (/v1/turn)
  const peer::Identity* identity = nullptr;  // immutable after start: readable from any thread
  net::InterfaceService* interfaces = nullptr;  // /v1/interfaces, /ifs
  peer::PeerNode* peers = nullptr;  // /v1/addr, /addr, /v1/sessions (loop thread only)
  traverse::NatService* nat = nullptr;          // /v1/nat
  pipe::PipeManager* pipes = nullptr;           // /v1/pipes
  peer::AddressBook* book = nullptr;  // /v1/peers; thread-safe: HTTP threads call it directly
  peer::PeerPipes* peer_pipes = nullptr;  // /open, POST /v1/pipes with "to"
  signaling::SignalNode* signaling = nullptr;  // brokers in /v1/status (loop thread only)
};

struct ApiCounters {
  explicit ApiCounters(observe::Registry& r);
  observe::Counter& requests;
  observe::Counter& rejected_host;
  observe::Counter& rejected_origin;
  observe::Counter& rejected_token;
  observe::Counter& not_found;
  observe::Counter& loop_busy;
  observe::Counter& busy;
};

struct ApiContext {
  ApiContext(loop::Bridge& bridge_, observe::Registry& metrics_, CoreServices core_, std::string token_,
             bool token_required_, std::chrono::milliseconds bridge_timeout_, int max_long_polls)
      : bridge(bridge_), metrics(metrics_), counters(metrics_), core(core_), token(std::move(token_)),
        token_required(token_required_), bridge_timeout(bridge_timeout_), long_polls(max_long_polls) {}

  loop::Bridge& bridge;
  observe::Registry& metrics;
  ApiCounters counters;
  CoreServices core;
  const std::string token;
  const bool token_required;
  const std::chrono::milliseconds bridge_timeout;
  LongPollGate long_polls;

  // bridge.call with the configured deadline, counting loop_busy answers.
  template <class F>
  auto on_loop(F fn) -> decltype(fn()) {
    auto r = bridge.call(std::move(fn), bridge_timeout);
    if (!r.ok() && r.error().code == "loop_busy") counters.loop_busy.inc();
    return r;
  }
};

}  // namespace p2pd::rpc
