#include "core/peer/dial_candidates.hpp"

#include <algorithm>
#include <cstring>

namespace p2pd::peer {

std::string DialCandidate::describe() const {
  return std::string(path_kind_name(kind)) + " " + remote.to_string() + " (" + source + ")";
}

net::Endpoint endpoint_of(const proto::peer::Ip& ip, std::uint16_t port) {
  net::Endpoint e;
  e.address.family = ip.family == proto::peer::Family::v4 ? net::Family::v4 : net::Family::v6;
  std::memcpy(e.address.bytes, ip.bytes.data(), sizeof e.address.bytes);
  e.port = port;
  return e;
}

std::vector<DialCandidate> direct_candidates(const proto::peer::PeerAddress& address) {
  std::vector<DialCandidate> out;
  if (address.ports.empty()) return out;
  const std::uint16_t node_port = address.ports.front();
  auto add = [&](const proto::peer::Ip& ip, std::uint16_t port, const char* source) {
    if (ip.is_link_local() || port == 0) return;
    for (PathKind kind : {PathKind::udp, PathKind::tcp}) {
      DialCandidate c{kind, endpoint_of(ip, port), source};
      bool seen = std::any_of(out.begin(), out.end(), [&](const DialCandidate& o) {
        return o.kind == c.kind && o.remote == c.remote;
      });
      if (!seen) out.push_back(std::move(c));
    }
  };
  for (const auto& group : address.groups)
    for (const auto& nic : group.nics) add(nic, node_port, "nic");
  for (const auto& group : address.groups)
    if (group.external) add(*group.external, group.external_port.value_or(node_port), "external");
  return out;
}

}  // namespace p2pd::peer
