#include "core/traverse/stun_agreement.hpp"

#include <algorithm>

namespace p2pd::traverse {

namespace {

bool same_ip(const net::IpAddress& a, const net::IpAddress& b) {
  return a.family == b.family && std::equal(a.bytes, a.bytes + 16, b.bytes);
}

}  // namespace

Agreement agree(std::span<const ServerReport> reports, std::size_t needed) {
  Agreement out;
  out.needed = std::max<std::size_t>(needed, 1);
  out.answered = reports.size();
  // Counts per distinct address, in first-seen order.
  std::vector<std::pair<net::IpAddress, std::size_t>> counts;
  for (const auto& r : reports) {
    auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return same_ip(c.first, r.mapped.address); });
    if (it == counts.end()) counts.emplace_back(r.mapped.address, 1);
    else ++it->second;
  }
  if (counts.empty()) return out;
  auto best = std::max_element(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  const bool tie = std::count_if(counts.begin(), counts.end(), [&](const auto& c) { return c.second == best->second; }) > 1;
  out.agreeing = best->second;
  std::optional<std::uint16_t> port;
  out.same_port = true;
  for (const auto& r : reports) {
    if (!same_ip(r.mapped.address, best->first)) {
      out.dissent.push_back(r.server);
      continue;
    }
    if (!port) port = r.mapped.port;
    else if (*port != r.mapped.port) out.same_port = false;
  }
  if (!tie && out.agreeing >= out.needed) {
    out.external = best->first;
    out.external->scope_id = 0;
    if (out.same_port) out.port = port;
  }
  if (tie) out.same_port = false;
  return out;
}

}  // namespace p2pd::traverse
