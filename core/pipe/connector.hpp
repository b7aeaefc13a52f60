#pragma once
// Opens the transport of a client pipe: resolves the host (getaddrinfo on the
// threadpool, for names; IP literals need none), binds to the chosen interface or local
// address, then connects (TCP, with a deadline) or just opens the socket (UDP).
// Completion runs once on the loop thread; destroying the Connector cancels it
// silently.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/loop/work.hpp"
#include "core/pipe/framing.hpp"
#include "core/pipe/lingerer.hpp"
#include "core/pipe/pipe_limits.hpp"
#include "core/pipe/transport.hpp"

namespace p2pd::pipe {

struct OpenSpec {
  std::string name;
  std::string host;                  // IP literal (fe80::1%eth0 too) or a name
  std::uint16_t port = 0;
  bool tcp = true;                   // false: UDP
  std::string family;                // "" (any), "v4" or "v6": for names
  std::string interface;             // bind to this interface (SO_BINDTODEVICE)
  std::string bind;                  // local "ip" or "ip:port"
  Framing framing = Framing::raw;
  bool answer_test_string = false;
};

class Connector {
 public:
  using Done = std::function<void(Result<std::unique_ptr<Transport>>)>;

  Connector(loop::Loop& loop, const PipeLimits& limits, Lingerer& lingerer, OpenSpec spec, Done done);
  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;

  void start();  // `done` may run before start() returns
  void fail(Error error) { finish(std::move(error)); }  // gives up now (shutdown)

 private:
  void resolved(Result<net::IpAddress> address);
  void open_to(const net::Endpoint& remote);
  Result<int> bound_socket(const net::Endpoint& remote);
  void finish(Result<std::unique_ptr<Transport>> result);

  loop::Loop& loop_;
  const PipeLimits& limits_;
  Lingerer& lingerer_;
  OpenSpec spec_;
  Done done_;
  loop::Work work_;
  loop::Tcp tcp_;
  loop::Timer deadline_;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace p2pd::pipe
