#include "core/peer/own_address.hpp"

#include <algorithm>
#include <optional>

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

proto::peer::NatType nat_type_of(traverse::NatType t) {
  using T = traverse::NatType;
  using P = proto::peer::NatType;
  switch (t) {
    case T::open: return P::open;
    case T::udp_firewall: return P::udp_firewall;
    case T::blocked: return P::blocked;
    case T::full_cone: return P::full_cone;
    case T::restricted_cone: return P::restricted_cone;
    case T::port_restricted_cone: return P::port_restricted_cone;
    case T::symmetric: return P::symmetric;
    case T::unknown: return P::unknown;
  }
  return P::unknown;
}

std::optional<proto::peer::Delta> delta_of(traverse::DeltaType t, int value) {
  using T = traverse::DeltaType;
  using P = proto::peer::DeltaType;
  const bool fits = value >= -proto::peer::kMaxDelta && value <= proto::peer::kMaxDelta;
  switch (t) {
    case T::equal: return proto::peer::Delta{P::equal, 0};
    case T::preserving: return fits ? std::optional(proto::peer::Delta{P::preserving, value}) : std::nullopt;
    case T::independent: return fits ? std::optional(proto::peer::Delta{P::independent, value}) : std::nullopt;
    case T::dependent: return fits ? std::optional(proto::peer::Delta{P::dependent, value}) : std::nullopt;
    case T::random: return proto::peer::Delta{P::random, 0};
    case T::not_applicable: return proto::peer::Delta{P::not_applicable, 0};
    case T::unknown: return std::nullopt;
  }
  return std::nullopt;
}

void add_nat(proto::peer::Group& g, const traverse::NatResult& r, std::optional<std::uint16_t> node_port) {
  g.nat = nat_type_of(r.type);
  g.delta = delta_of(r.delta, r.delta_value);
  if (!r.confirmed || !r.external || r.external->family != r.family) return;
  g.external = to_proto(*r.external);
  if (node_port && r.delta == traverse::DeltaType::preserving) {
    const int port = *node_port + r.delta_value;
    if (port >= 1 && port <= 65535 && port != *node_port) g.external_port = static_cast<std::uint16_t>(port);
  }
}

const traverse::NatResult* nat_for(const net::Interface& nic, const proto::peer::Group& g, net::Family family,
                                   const std::vector<traverse::NatResult>& nat) {
  for (const auto& r : nat) {
    if (r.interface != nic.name || r.family != family || !r.local) continue;
    if (std::find(g.nics.begin(), g.nics.end(), to_proto(r.local->address)) != g.nics.end()) return &r;
  }
  return nullptr;
}

}  // namespace

proto::peer::PeerAddress own_address(const proto::peer::Key& key, std::vector<std::uint16_t> ports,
                                     const net::Snapshot& interfaces,
                                     std::vector<proto::peer::Channel> signaling,
                                     const std::vector<traverse::NatResult>& nat) {
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
      auto g = group_of(*nic, family);
      if (!g) continue;
      if (const auto* r = nat_for(*nic, *g, family, nat))
        add_nat(*g, *r, out.ports.empty() ? std::nullopt : std::optional(out.ports.front()));
      out.groups.push_back(std::move(*g));
    }
  }
  return out;
}

}  // namespace p2pd::peer
