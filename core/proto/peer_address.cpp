// Peer address parse / serialize (grammar in docs/API.md, "Peer addresses").
#include "core/proto/peer_address.hpp"

#include <algorithm>
#include <array>

#include "core/proto/peer_address_detail.hpp"

namespace p2pd::proto::peer {

namespace {

using detail::bad;

constexpr std::array<std::pair<NatType, char>, 8> kNatCodes{{
    {NatType::open, 'o'},
    {NatType::udp_firewall, 'f'},
    {NatType::blocked, 'b'},
    {NatType::full_cone, 'c'},
    {NatType::restricted_cone, 'r'},
    {NatType::port_restricted_cone, 'p'},
    {NatType::symmetric, 's'},
    {NatType::unknown, 'u'},
}};
constexpr std::array<std::pair<DeltaType, char>, 6> kDeltaCodes{{
    {DeltaType::equal, 'e'},
    {DeltaType::preserving, 'p'},
    {DeltaType::independent, 'i'},
    {DeltaType::dependent, 'd'},
    {DeltaType::random, 'r'},
    {DeltaType::not_applicable, 'n'},
}};

bool has_value(DeltaType t) {
  return t == DeltaType::preserving || t == DeltaType::independent || t == DeltaType::dependent;
}

bool allowed_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == ',' || c == ':' || c == '+' ||
         c == '_' || c == '-';
}

bool is_unusable(const Ip& ip) {
  bool zero = std::all_of(ip.bytes.begin(), ip.bytes.end(), [](std::uint8_t b) { return b == 0; });
  if (zero) return true;
  if (ip.family == Family::v4) return ip.bytes[0] >= 224 || ip.bytes[0] == 0;  // multicast, reserved, this-net
  return ip.bytes[0] == 0xff;                                                   // multicast
}

Result<Ip> parse_candidate_ip(std::string_view text, Family family, std::string_view what) {
  auto ip = Ip::parse(text);
  if (!ip) return bad(std::string(what) + ": " + ip.error().message);
  if (ip->family != family)
    return bad(std::string(what) + " \"" + std::string(text) + "\" is not " + std::string(family_name(family)));
  if (is_unusable(*ip))
    return bad(std::string(what) + " \"" + std::string(text) + "\" is unspecified, multicast or reserved");
  return ip;
}

Result<Delta> parse_delta(std::string_view text) {
  char code = text[0];
  auto it = std::find_if(kDeltaCodes.begin(), kDeltaCodes.end(), [code](const auto& p) { return p.second == code; });
  if (it == kDeltaCodes.end())
    return bad("delta \"" + std::string(text) + "\" must start with one of e p i d r n");
  Delta d{it->first, 0};
  std::string_view rest = text.substr(1);
  if (!has_value(d.type)) {
    if (!rest.empty()) return bad("delta type '" + std::string(1, code) + "' takes no value");
    return d;
  }
  bool negative = !rest.empty() && rest[0] == '-';
  if (negative) rest.remove_prefix(1);
  auto v = detail::parse_decimal(rest, kMaxDelta, "delta value");
  if (!v) return v.error();
  if (negative && *v == 0) return bad("delta value \"-0\": write 0");
  d.value = negative ? -static_cast<std::int32_t>(*v) : static_cast<std::int32_t>(*v);
  return d;
}

Result<Group> parse_group(std::string_view text) {
  auto f = detail::split(text, ',');
  if (f.size() != 7)
    return bad("has " + std::to_string(f.size()) +
               " fields, wants 7 (ifindex,family,nics,external,external_port,nat,delta)");
  Group g;
  auto index = detail::parse_decimal(f[0], 0xFFFFFFFFu, "interface index");
  if (!index) return index.error();
  if (*index == 0) return bad("interface index must not be 0");
  g.ifindex = static_cast<std::uint32_t>(*index);
  if (f[1] == "4") g.family = Family::v4;
  else if (f[1] == "6") g.family = Family::v6;
  else return bad("family \"" + std::string(f[1]) + "\" must be 4 or 6");

  auto nics = detail::split(f[2], '+');
  if (f[2].empty()) return bad("has no NIC address");
  if (nics.size() > kMaxNics) return bad("has more than " + std::to_string(kMaxNics) + " NIC addresses");
  for (auto n : nics) {
    auto ip = parse_candidate_ip(n, g.family, "NIC address");
    if (!ip) return ip.error();
    if (std::find(g.nics.begin(), g.nics.end(), *ip) != g.nics.end())
      return bad("NIC address " + std::string(n) + " appears twice");
    g.nics.push_back(*ip);
  }

  if (f[3] == "nic") {
    g.external = g.nics[0];
  } else if (!f[3].empty()) {
    auto ip = parse_candidate_ip(f[3], g.family, "external address");
    if (!ip) return ip.error();
    if (*ip == g.nics[0]) return bad("external address equals the first NIC address: write \"nic\"");
    g.external = *ip;
  }
  if (!f[4].empty()) {
    auto port = detail::parse_port(f[4], "external port");
    if (!port) return port.error();
    g.external_port = *port;
  }
  if (f[5].size() != 1) return bad("NAT type \"" + std::string(f[5]) + "\" must be one letter of o f b c r p s u");
  auto nat = std::find_if(kNatCodes.begin(), kNatCodes.end(), [c = f[5][0]](const auto& p) { return p.second == c; });
  if (nat == kNatCodes.end()) return bad("NAT type \"" + std::string(f[5]) + "\" must be one of o f b c r p s u");
  g.nat = nat->first;
  if (!f[6].empty()) {
    auto d = parse_delta(f[6]);
    if (!d) return d.error();
    g.delta = *d;
  }
  return g;
}

std::string group_label(std::size_t i) { return "group " + std::to_string(i + 1); }

}  // namespace

bool looks_like_address(std::string_view text) {
  if (text.substr(0, kPrefix.size()) != kPrefix) return false;
  std::size_t i = kPrefix.size();
  std::size_t digits = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i, ++digits;
  return digits > 0 && i < text.size() && text[i] == '_';
}

Result<PeerAddress> parse(std::string_view text) {
  if (text.empty()) return bad("empty peer address");
  if (text.size() > kMaxLength)
    return bad("peer address is " + std::to_string(text.size()) + " characters, the limit is " +
               std::to_string(kMaxLength));
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (allowed_char(c)) continue;
    std::string shown = (c >= 0x21 && c <= 0x7e) ? std::string("'") + c + "'" : "byte " + std::to_string(static_cast<unsigned char>(c));
    return bad("character " + std::to_string(i + 1) + " (" + shown +
               ") is not allowed: peer addresses use only a-z 0-9 . , : + _ -" +
               ((c >= 'A' && c <= 'Z') ? " (they are lowercase)" : ""));
  }
  if (!looks_like_address(text)) return bad("a peer address starts with \"p2pd1_\"");
  auto sections = detail::split(text, '_');
  std::string_view head = sections[0].substr(kPrefix.size());
  if (head != std::to_string(kVersion))
    return bad("peer address version " + std::string(head) + " is not supported (this p2pd reads version " +
               std::to_string(kVersion) + ")");
  if (sections.size() < 4) return bad("a peer address has at least 4 parts: p2pd1_<key>_<ports>_<signaling>");

  PeerAddress a;
  auto key = key_from_text(sections[1]);
  if (!key) return bad("key: " + key.error().message);
  a.key = *key;

  auto ports = detail::split(sections[2], '+');
  if (ports.size() > kMaxPorts) return bad("more than " + std::to_string(kMaxPorts) + " listening ports");
  for (auto p : ports) {
    auto port = detail::parse_port(p, "listening port");
    if (!port) return port.error();
    if (std::find(a.ports.begin(), a.ports.end(), *port) != a.ports.end())
      return bad("listening port " + std::string(p) + " appears twice");
    a.ports.push_back(*port);
  }

  if (!sections[3].empty()) {
    auto channels = detail::split(sections[3], '+');
    if (channels.size() > kMaxChannels) return bad("more than " + std::to_string(kMaxChannels) + " signaling channels");
    for (auto c : channels) {
      auto ch = detail::parse_channel(c);
      if (!ch) return ch.error();
      if (std::find(a.signaling.begin(), a.signaling.end(), *ch) != a.signaling.end())
        return bad("signaling channel " + std::string(c) + " appears twice");
      a.signaling.push_back(std::move(*ch));
    }
  }

  if (sections.size() - 4 > kMaxGroups) return bad("more than " + std::to_string(kMaxGroups) + " candidate groups");
  for (std::size_t i = 4; i < sections.size(); ++i) {
    auto g = parse_group(sections[i]);
    if (!g) return bad(group_label(i - 4) + ": " + g.error().message);
    for (const Group& other : a.groups) {
      if (other.ifindex == g->ifindex && other.family == g->family)
        return bad(group_label(i - 4) + ": interface " + std::to_string(g->ifindex) + " " +
                   std::string(family_name(g->family)) + " appears twice");
    }
    a.groups.push_back(std::move(*g));
  }
  return a;
}

std::string serialize(const PeerAddress& a) {
  std::string out(kPrefix);
  out += std::to_string(kVersion);
  out += '_';
  out += key_to_text(a.key);
  out += '_';
  for (std::size_t i = 0; i < a.ports.size(); ++i) {
    if (i) out += '+';
    out += std::to_string(a.ports[i]);
  }
  out += '_';
  for (std::size_t i = 0; i < a.signaling.size(); ++i) {
    if (i) out += '+';
    out += detail::channel_text(a.signaling[i]);
  }
  for (const Group& g : a.groups) {
    out += '_';
    out += std::to_string(g.ifindex);
    out += g.family == Family::v6 ? ",6," : ",4,";
    for (std::size_t i = 0; i < g.nics.size(); ++i) {
      if (i) out += '+';
      out += g.nics[i].to_string();
    }
    out += ',';
    if (g.external) out += (!g.nics.empty() && *g.external == g.nics[0]) ? "nic" : g.external->to_string();
    out += ',';
    if (g.external_port) out += std::to_string(*g.external_port);
    out += ',';
    for (const auto& [t, c] : kNatCodes)
      if (t == g.nat) out += c;
    out += ',';
    if (g.delta) {
      for (const auto& [t, c] : kDeltaCodes)
        if (t == g.delta->type) out += c;
      if (has_value(g.delta->type)) out += std::to_string(g.delta->value);
    }
  }
  return out;
}

Status validate(const PeerAddress& address) {
  auto back = parse(serialize(address));
  if (!back) return back.error();
  if (*back != address)
    return bad("the address holds values its text cannot carry (a delta value on a type without one, "
               "or a field outside its range)");
  return {};
}

}  // namespace p2pd::proto::peer
