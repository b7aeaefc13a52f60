#include "core/traverse/nat_types.hpp"

namespace p2pd::traverse {

std::string_view name(NatType t) {
  switch (t) {
    case NatType::open: return "open";
    case NatType::udp_firewall: return "udp_firewall";
    case NatType::blocked: return "blocked";
    case NatType::full_cone: return "full_cone";
    case NatType::restricted_cone: return "restricted_cone";
    case NatType::port_restricted_cone: return "port_restricted_cone";
    case NatType::symmetric: return "symmetric";
    case NatType::unknown: break;
  }
  return "unknown";
}

std::string_view name(Behaviour b) {
  switch (b) {
    case Behaviour::endpoint_independent: return "endpoint_independent";
    case Behaviour::address_dependent: return "address_dependent";
    case Behaviour::address_and_port_dependent: return "address_and_port_dependent";
    case Behaviour::unknown: break;
  }
  return "unknown";
}

std::string_view name(DeltaType d) {
  switch (d) {
    case DeltaType::equal: return "equal";
    case DeltaType::preserving: return "preserving";
    case DeltaType::independent: return "independent";
    case DeltaType::dependent: return "dependent";
    case DeltaType::random: return "random";
    case DeltaType::not_applicable: return "not_applicable";
    case DeltaType::unknown: break;
  }
  return "unknown";
}

NatType nat_type_of(Behaviour mapping, Behaviour filtering) {
  if (mapping == Behaviour::unknown) return NatType::unknown;
  if (mapping != Behaviour::endpoint_independent) return NatType::symmetric;
  switch (filtering) {
    case Behaviour::endpoint_independent: return NatType::full_cone;
    case Behaviour::address_dependent: return NatType::restricted_cone;
    case Behaviour::address_and_port_dependent: return NatType::port_restricted_cone;
    case Behaviour::unknown: break;
  }
  return NatType::unknown;
}

}  // namespace p2pd::traverse
