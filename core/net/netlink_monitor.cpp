#include "core/net/netlink_monitor.hpp"

#include <linux/rtnetlink.h>

namespace p2pd::net {
namespace {

constexpr int kMaxDatagramsPerDrain = 256;

bool relevant(const NetlinkMessage& m) {
  switch (m.type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
    case RTM_NEWADDR:
    case RTM_DELADDR:
      return true;
    case RTM_NEWROUTE:
    case RTM_DELROUTE: {
      // Local-table and cloned routes follow address changes; only the main table
      // holds the default routes. An unparsable route counts, to be safe.
      auto r = parse_route(m.payload);
      return !r || r->table == RT_TABLE_MAIN;
    }
    default:
      return false;
  }
}

}  // namespace

Result<NetlinkMonitor> NetlinkMonitor::open() {
  auto sock = NetlinkSocket::open(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR |
                                  RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE);
  if (!sock) return sock.error();
  return NetlinkMonitor(std::move(*sock));
}

bool NetlinkMonitor::drain() {
  bool changed = false;
  for (int i = 0; i < kMaxDatagramsPerDrain; ++i) {
    auto got = socket_.receive();
    if (!got) {
      // Overrun: notifications were lost, so the state must be re-read; the socket
      // goes on. Other errors are not expected; re-reading is the safe answer too.
      changed = true;
      if (got.error().code == "overrun") continue;
      break;
    }
    if (!*got) break;  // nothing pending
    auto messages = split_messages(**got);
    if (!messages) {
      changed = true;
      continue;
    }
    for (const auto& m : *messages) {
      if (relevant(m)) changed = true;
    }
  }
  return changed;
}

}  // namespace p2pd::net
