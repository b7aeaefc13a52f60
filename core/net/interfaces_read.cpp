// read_snapshot(): the kernel's view through rtnetlink dumps.
#include <linux/rtnetlink.h>

#include "core/net/interfaces.hpp"
#include "core/net/netlink_socket.hpp"

namespace p2pd::net {
namespace {

constexpr int kDumpAttempts = 3;

struct Dumps {
  std::vector<LinkInfo> links;
  std::vector<AddrInfo> addrs;
  std::vector<RouteInfo> routes;
};

// Entries the parser does not cover (other address families, a message type we did not
// ask for) are skipped; a malformed one fails the dump.
template <class T>
Status keep(Result<T> parsed, std::vector<T>& into) {
  if (parsed) {
    into.push_back(std::move(*parsed));
    return {};
  }
  if (parsed.error().code == "unsupported") return {};
  return parsed.error();
}

Status dump_all(NetlinkSocket& sock, Dumps& d) {
  auto st = sock.dump(RTM_GETLINK, AF_UNSPEC, [&](const NetlinkMessage& m) -> Status {
    return m.type == RTM_NEWLINK ? keep(parse_link(m.payload), d.links) : Status{};
  });
  if (!st) return st;
  st = sock.dump(RTM_GETADDR, AF_UNSPEC, [&](const NetlinkMessage& m) -> Status {
    return m.type == RTM_NEWADDR ? keep(parse_addr(m.payload), d.addrs) : Status{};
  });
  if (!st) return st;
  return sock.dump(RTM_GETROUTE, AF_UNSPEC, [&](const NetlinkMessage& m) -> Status {
    return m.type == RTM_NEWROUTE ? keep(parse_route(m.payload), d.routes) : Status{};
  });
}

}  // namespace

Result<Snapshot> read_snapshot() {
  auto sock = NetlinkSocket::open();
  if (!sock) return sock.error();
  Error last;
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    Dumps d;
    auto st = dump_all(*sock, d);
    if (st) return build_snapshot(d.links, d.addrs, d.routes);
    if (st.error().code != "interrupted") return st.error();
    last = st.error();
  }
  return last;
}

}  // namespace p2pd::net
