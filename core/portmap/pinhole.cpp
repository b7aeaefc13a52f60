#include "core/portmap/pinhole.hpp"

#include <algorithm>

namespace p2pd::portmap {

std::uint32_t pinhole_lease(std::uint32_t asked) {
  constexpr std::uint32_t kMax = 86400;
  if (asked == 0) return kMax;
  return std::min(asked, kMax);
}

std::uint64_t pinhole_renew_at_ms(std::uint64_t now_ms, std::uint32_t lease_s) {
  return now_ms + std::max<std::uint64_t>(1000, std::uint64_t{lease_s} * 500);
}

std::vector<net::IpAddress> pinhole_addresses(const net::Snapshot& snapshot) {
  std::vector<net::IpAddress> out;
  if (!snapshot.default_v6) return out;
  const net::Interface* nic = snapshot.find(snapshot.default_v6->index);
  if (!nic || !nic->flags.usable() || nic->flags.loopback) return out;
  for (const auto& a : nic->addresses) {
    if (a.address.family != net::Family::v6) continue;
    if (a.scope != net::AddressScope::global && a.scope != net::AddressScope::private_net) continue;
    if (a.flags.tentative || a.flags.deprecated || a.flags.dad_failed) continue;
    if (std::find(out.begin(), out.end(), a.address) == out.end()) out.push_back(a.address);
  }
  return out;
}

nlohmann::json to_json(const PinholeEntry& e, std::uint64_t now_ms) {
  const std::string address = e.request.address.to_string();
  nlohmann::json j = {{"kind", "pinhole"},
                      {"id", e.id},
                      {"protocol", protocol_name(e.request.protocol)},
                      {"internal_address", address},
                      {"internal_port", e.request.port},
                      {"external", "[" + address + "]:" + std::to_string(e.request.port)},
                      {"state", map_state_name(e.state)},
                      {"renewals", e.renewals},
                      {"requested", {{"lifetime_s", e.request.lease_s}}}};
  if (e.unique_id) {
    j["unique_id"] = *e.unique_id;
    j["method"] = "upnp";
    j["lifetime_s"] = e.lease_s;
    if (e.expires_ms > 0) j["expires_in_s"] = e.expires_ms > now_ms ? static_cast<double>(e.expires_ms - now_ms) / 1000.0 : 0.0;
  }
  if (e.error) j["error"] = {{"code", e.error->code}, {"message", e.error->message}};
  return j;
}

}  // namespace p2pd::portmap
