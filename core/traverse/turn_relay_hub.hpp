#pragma once
// Hands one allocation's inbound datagrams to whoever uses it (a pipe, a peer Path),
// and tells them when the allocation is gone. Shared (shared_ptr) between the owner of
// the TurnClient and its users, so either side may go first. Loop thread only.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "core/net/endpoint.hpp"
#include "core/result.hpp"

namespace p2pd::traverse::turn {

class TurnClient;

class RelayHub {
 public:
  using Receiver = std::function<void(const net::Endpoint& from, std::span<const std::uint8_t> data)>;
  using EndFn = std::function<void(Status)>;

  // A user of the datagrams from `only` (a peer Path), or of all that no peer-specific
  // user takes (a pipe). Returns a token for detach().
  std::uint64_t attach(std::optional<net::Endpoint> only, Receiver receiver, EndFn on_end);
  void detach(std::uint64_t token);  // safe from inside a callback
  // Hands a datagram to its user; false when nobody takes it.
  bool deliver(const net::Endpoint& from, std::span<const std::uint8_t> data);
  // The allocation is gone: every user hears it once, and the client pointer is cleared.
  void end(Status why);

  TurnClient* client() const { return client_; }
  void set_client(TurnClient* client) { client_ = client; }
  bool ended() const { return ended_; }
  std::size_t users() const;

 private:
  struct User {
    std::uint64_t token = 0;
    std::optional<net::Endpoint> only;
    Receiver receiver;
    EndFn on_end;
    bool detached = false;
  };
  void compact();

  TurnClient* client_ = nullptr;
  std::vector<User> users_;
  std::uint64_t next_token_ = 1;
  int delivering_ = 0;  // callbacks running: detached users are removed afterwards
  bool ended_ = false;
};

}  // namespace p2pd::traverse::turn
