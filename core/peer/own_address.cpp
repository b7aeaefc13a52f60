#include "core/peer/own_address.hpp"

#include <algorithm>

#include "core/net/address_scope.hpp"

namespace p2pd::peer {
namespace {

int scope_rank(net::AddressScope s) {
  switch (s) {
    case net::AddressScope::global: return 0;
    case net::AddressScope::private_net: return 1;
    case net::AddressScope::link_local: return 2;
    case net::AddressScope::loopback: return 3;
  }
  return 3;
}

bool bindable(const net::InterfaceAddress& a) {
  return !a.flags.tentative && !a.flags.dad_failed && a.scope != net::AddressScope::loopback &&
         !a.address.is_unspecified();
}

proto::peer::Ip to_proto(const net::IpAddress& ip) {
  proto::peer::Ip out;
  out.family = ip.family == net::Family::v4 ? proto::peer::Family::v4 : proto::peer::Family::v6;
  std::copy_n(ip.bytes, ip.family == net::Family::v4 ? 4 : 16, out.bytes.begin());
  return out;
}

std::optional<proto::peer::Group> group_of(const net::Interface& nic, net::Family family) {
  std::vector<const net::InterfaceAddress*> picked;
  for (const auto& a : nic.addresses)
    if (a.address.family == family && bindable(a)) picked.push_back(&a);
  if (picked.empty()) return std::nullopt;
  std::stable_sort(picked.begin(), picked.end(), [](const auto* x, const auto* y) {
    if (scope_rank(x->scope) != scope_rank(y->scope)) return scope_rank(x->scope) < scope_rank(y->scope);
    return !x->flags.deprecated && y->flags.deprecated;
  });
  proto::peer::Group g;
  g.ifindex = nic.index;
  g.family = family == net::Family::v4 ? proto::peer::Family::v4 : proto::peer::Family::v6;
  for (const auto* a : picked) {
    auto ip = to_proto(a->address);
    if (std::find(g.nics.begin(), g.nics.end(), ip) != g.nics.end()) continue;
    g.nics.push_back(ip);
    if (g.nics.size() == proto::peer::kMaxNics) break;
  }
  return g;
}

}  // namespace

proto::peer::PeerAddress own_address(const proto::peer::Key& key, std::vector<std::uint16_t> ports,
                                     const net::Snapshot& interfaces,
                                     std::vector<proto::peer::Channel> signaling) {
  proto::peer::PeerAddress out;
  out.key = key;
  out.ports = std::move(ports);
  if (out.ports.size() > proto::peer::kMaxPorts) out.ports.resize(proto::peer::kMaxPorts);
  out.signaling = std::move(signaling);
  if (out.signaling.size() > proto::peer::kMaxChannels) out.signaling.resize(proto::peer::kMaxChannels);
  for (net::Family family : {net::Family::v4, net::Family::v6}) {
    std::vector<const net::Interface*> nics;
    for (const auto& nic : interfaces.interfaces)
      if (nic.flags.usable() && !nic.flags.loopback) nics.push_back(&nic);
    std::stable_partition(nics.begin(), nics.end(), [family](const net::Interface* n) {
      return family == net::Family::v4 ? n->is_default_v4 : n->is_default_v6;
    });
    for (const auto* nic : nics) {
      if (out.groups.size() == proto::peer::kMaxGroups) break;
      if (auto g = group_of(*nic, family)) out.groups.push_back(std::move(*g));
    }
  }
  return out;
}

}  // namespace p2pd::peer
