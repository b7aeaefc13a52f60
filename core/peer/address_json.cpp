#include "core/peer/address_json.hpp"

#include "core/peer/identity.hpp"

namespace p2pd::peer {

namespace {

using nlohmann::json;

json group_json(const proto::peer::Group& g) {
  json nics = json::array();
  for (const auto& ip : g.nics) nics.push_back(ip.to_string());
  json j{{"ifindex", g.ifindex},
         {"family", proto::peer::family_name(g.family)},
         {"nics", std::move(nics)},
         {"external", g.external ? json(g.external->to_string()) : json(nullptr)},
         {"external_port", g.external_port ? json(*g.external_port) : json(nullptr)},
         {"nat", proto::peer::nat_type_name(g.nat)},
         {"delta", nullptr}};
  if (g.delta) j["delta"] = {{"type", proto::peer::delta_type_name(g.delta->type)}, {"value", g.delta->value}};
  return j;
}

}  // namespace

json address_parts_json(const proto::peer::PeerAddress& a) {
  json signaling = json::array();
  for (const auto& ch : a.signaling) signaling.push_back(ch.broker());
  json groups = json::array();
  for (const auto& g : a.groups) groups.push_back(group_json(g));
  return {{"public_key", public_key_text(a.key)},
          {"peer_id", peer_id_of(a.key)},
          {"ports", a.ports},
          {"signaling", std::move(signaling)},
          {"groups", std::move(groups)}};
}

}  // namespace p2pd::peer
