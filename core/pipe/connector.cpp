#include "core/pipe/connector.hpp"

#include <net/if.h>
#include <netdb.h>
#include <unistd.h>

#include <cstring>

#include "core/loop/udp.hpp"
#include "core/net/socket_bind.hpp"
#include "core/pipe/tcp_transport.hpp"
#include "core/pipe/udp_client_transport.hpp"

namespace p2pd::pipe {

namespace {

// Blocking: runs on the threadpool.
Result<net::IpAddress> resolve_host(const std::string& host, const std::string& family, bool tcp) {
  addrinfo hints{};
  hints.ai_family = family == "v4" ? AF_INET : family == "v6" ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
  addrinfo* list = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
  if (rc != 0) return Error{"unreachable", "cannot resolve " + host + ": " + ::gai_strerror(rc)};
  Result<net::IpAddress> out = Error{"unreachable", "no address for " + host};
  for (addrinfo* a = list; a; a = a->ai_next) {
    if (a->ai_family != AF_INET && a->ai_family != AF_INET6) continue;
    out = net::Endpoint::from_sockaddr(a->ai_addr).address;
    break;
  }
  ::freeaddrinfo(list);
  return out;
}

net::IpAddress unspecified(net::Family family) {
  net::IpAddress a;
  a.family = family;
  return a;
}

}  // namespace

Connector::Connector(loop::Loop& loop, const PipeLimits& limits, Lingerer& lingerer, OpenSpec spec, Done done)
    : loop_(loop), limits_(limits), lingerer_(lingerer), spec_(std::move(spec)), done_(std::move(done)) {}

void Connector::start() {
  if (spec_.port == 0) return finish(Error{"bad_request", "port must be 1-65535"});
  if (auto ip = net::IpAddress::parse(spec_.host); ip.ok()) return resolved(*ip);
  if (spec_.host.empty() || spec_.host.size() > 253) return finish(Error{"bad_request", "host must be an address or a name"});
  auto host = spec_.host;
  auto family = spec_.family;
  bool tcp = spec_.tcp;
  work_ = loop::Work::run<net::IpAddress>(
      loop_, [host, family, tcp] { return resolve_host(host, family, tcp); },
      [this](Result<net::IpAddress> r) { resolved(std::move(r)); });
}

void Connector::resolved(Result<net::IpAddress> address) {
  if (!address.ok()) return finish(address.error());
  net::Endpoint remote{*address, spec_.port};
  auto& a = remote.address;
  if (a.family == net::Family::v6 && a.is_link_local() && a.scope_id == 0) {
    if (!spec_.interface.empty()) a.scope_id = ::if_nametoindex(spec_.interface.c_str());
    if (a.scope_id == 0)
      return finish(Error{"bad_request", "a link-local destination needs its interface (fe80::1%eth0)"});
  }
  if (a.is_unspecified()) return finish(Error{"bad_request", "cannot connect to " + a.to_string()});
  open_to(remote);
}

// A socket bound as asked, or -1 when nothing was asked (TCP then lets connect bind).
Result<int> Connector::bound_socket(const net::Endpoint& remote) {
  net::Endpoint local{unspecified(remote.address.family), 0};
  if (!spec_.bind.empty()) {
    auto ep = net::Endpoint::parse(spec_.bind);
    if (ep.ok()) {
      local = *ep;
    } else if (auto ip = net::IpAddress::parse(spec_.bind); ip.ok()) {
      local.address = *ip;
    } else {
      return Error{"bad_request", "bind \"" + spec_.bind + "\": not an address"};
    }
    if (local.address.family != remote.address.family)
      return Error{"bad_request", "bind " + spec_.bind + " and host " + remote.address.to_string() +
                                      " are of different families"};
  } else if (spec_.interface.empty() && spec_.tcp) {
    return -1;
  }
  net::BindOptions options;
  options.type = spec_.tcp ? net::SocketType::tcp : net::SocketType::udp;
  options.device = spec_.interface;
  return net::bind_socket(local, options);
}

void Connector::open_to(const net::Endpoint& remote) {
  auto fd = bound_socket(remote);
  if (!fd.ok()) return finish(fd.error());
  if (!spec_.tcp) {
    loop::Udp udp(loop_);
    if (auto st = udp.open(*fd); !st.ok()) {
      ::close(*fd);
      return finish(st.error());
    }
    return finish(std::unique_ptr<Transport>(std::make_unique<UdpClientTransport>(std::move(udp), remote)));
  }
  tcp_ = loop::Tcp(loop_);
  if (*fd >= 0) {
    if (auto st = tcp_.open(*fd); !st.ok()) {
      ::close(*fd);
      return finish(st.error());
    }
  }
  deadline_ = loop::Timer(loop_);
  deadline_.start(limits_.connect_timeout_ms, 0, [this, remote] {
    finish(Error{"timeout", "connect " + remote.to_string() + ": no answer within " +
                                std::to_string(limits_.connect_timeout_ms) + " ms"});
  });
  tcp_.connect(remote, [this, alive = std::weak_ptr<char>(alive_)](Status st) {
    if (alive.expired()) return;
    if (!st.ok()) return finish(Error{"unreachable", st.error().message});
    finish(std::unique_ptr<Transport>(std::make_unique<TcpTransport>(
        std::move(tcp_), lingerer_, limits_.relay_low_water, limits_.close_linger_ms)));
  });
}

void Connector::finish(Result<std::unique_ptr<Transport>> result) {
  if (!done_) return;
  deadline_.close();
  tcp_.close();
  auto done = std::move(done_);
  done_ = nullptr;
  done(std::move(result));  // may destroy this Connector
}

}  // namespace p2pd::pipe
