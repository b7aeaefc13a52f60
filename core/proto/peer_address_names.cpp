// Names of NAT types, delta types and families, and the public broker list.
#include <array>

#include "core/proto/peer_address.hpp"

namespace p2pd::proto::peer {

namespace {
constexpr std::array<std::pair<NatType, std::string_view>, 8> kNatNames{{
    {NatType::open, "open"},
    {NatType::udp_firewall, "udp_firewall"},
    {NatType::blocked, "blocked"},
    {NatType::full_cone, "full_cone"},
    {NatType::restricted_cone, "restricted_cone"},
    {NatType::port_restricted_cone, "port_restricted_cone"},
    {NatType::symmetric, "symmetric"},
    {NatType::unknown, "unknown"},
}};
constexpr std::array<std::pair<DeltaType, std::string_view>, 6> kDeltaNames{{
    {DeltaType::equal, "equal"},
    {DeltaType::preserving, "preserving"},
    {DeltaType::independent, "independent"},
    {DeltaType::dependent, "dependent"},
    {DeltaType::random, "random"},
    {DeltaType::not_applicable, "not_applicable"},
}};
}  // namespace

std::string_view nat_type_name(NatType type) {
  for (const auto& [t, n] : kNatNames)
    if (t == type) return n;
  return "unknown";
}

std::string_view delta_type_name(DeltaType type) {
  for (const auto& [t, n] : kDeltaNames)
    if (t == type) return n;
  return "not_applicable";
}

std::string_view family_name(Family family) { return family == Family::v6 ? "ipv6" : "ipv4"; }

Result<NatType> nat_type_from_name(std::string_view name) {
  for (const auto& [t, n] : kNatNames)
    if (n == name) return t;
  return Error{"bad_request", "unknown NAT type \"" + std::string(name) + "\""};
}

Result<DeltaType> delta_type_from_name(std::string_view name) {
  for (const auto& [t, n] : kDeltaNames)
    if (n == name) return t;
  return Error{"bad_request", "unknown delta type \"" + std::string(name) + "\""};
}

const std::vector<std::string_view>& public_brokers() {
  // Append only: an index in an address means this entry forever.
  static const std::vector<std::string_view> brokers = {
      "test.mosquitto.org:1883",
      "broker.hivemq.com:1883",
      "mqtt.eclipseprojects.io:1883",
      "broker.emqx.io:1883",
  };
  return brokers;
}

}  // namespace p2pd::proto::peer
