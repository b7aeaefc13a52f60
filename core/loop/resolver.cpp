#include "core/loop/resolver.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>

namespace p2pd::loop {

Result<std::vector<net::IpAddress>> resolve_host_blocking(const std::string& host, std::optional<net::Family> family) {
  if (auto literal = net::IpAddress::parse(host); literal.ok()) {
    if (family && literal->family != *family) return Error{"unreachable", host + " is not of the address family asked for"};
    std::vector<net::IpAddress> one;
    one.push_back(*literal);
    return one;
  }
  if (host.empty() || host.size() > 253) return Error{"bad_request", "not a host name: \"" + host + "\""};
  addrinfo hints{};
  hints.ai_family = !family ? AF_UNSPEC : *family == net::Family::v4 ? AF_INET : AF_INET6;
  hints.ai_socktype = SOCK_DGRAM;  // one entry per address
  addrinfo* list = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
  if (rc != 0) return Error{"unreachable", "cannot resolve " + host + ": " + ::gai_strerror(rc)};
  std::vector<net::IpAddress> out;
  for (addrinfo* a = list; a; a = a->ai_next) {
    if (a->ai_family != AF_INET && a->ai_family != AF_INET6) continue;
    net::IpAddress ip = net::Endpoint::from_sockaddr(a->ai_addr).address;
    if (std::find(out.begin(), out.end(), ip) == out.end()) out.push_back(ip);
  }
  ::freeaddrinfo(list);
  if (out.empty()) return Error{"unreachable", "no address for " + host};
  return out;
}

Work resolve_host(Loop& loop, std::string host, std::optional<net::Family> family,
                  std::function<void(Result<std::vector<net::IpAddress>>)> done) {
  // Work::queue with an assignment rather than Work::run: g++ 12 warns falsely
  // (-Wfree-nonheap-object) about the emplace of a Result<std::vector> there.
  using Answer = Result<std::vector<net::IpAddress>>;
  auto slot = std::make_shared<Answer>(Error{"unreachable", "not resolved"});
  return Work::queue(
      loop, [slot, host = std::move(host), family] { *slot = resolve_host_blocking(host, family); },
      [slot, done = std::move(done)](Status st) {
        if (!st) return done(st.error());
        done(std::move(*slot));
      });
}

}  // namespace p2pd::loop
