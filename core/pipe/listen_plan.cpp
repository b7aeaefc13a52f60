#include "core/pipe/listen_plan.hpp"

#include <algorithm>

namespace p2pd::pipe {

namespace {

bool wanted(const ListenPlanSpec& spec, net::Family f) { return f == net::Family::v4 ? spec.v4 : spec.v6; }

void add(std::vector<BindTarget>& out, BindTarget t) {
  if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(std::move(t));
}

void add_interface(const ListenPlanSpec& spec, const net::Interface& nic, std::vector<BindTarget>& out) {
  for (const auto& a : nic.addresses) {
    if (!wanted(spec, a.address.family) || a.flags.tentative || a.flags.dad_failed) continue;
    BindTarget t{a.address, nic.name};
    if (t.address.family == net::Family::v6 && t.address.is_link_local()) t.address.scope_id = nic.index;
    add(out, std::move(t));
  }
}

}  // namespace

Result<std::vector<BindTarget>> plan_binds(const ListenPlanSpec& spec, const net::Snapshot& snapshot) {
  if (!spec.v4 && !spec.v6) return Error{"bad_request", "a server needs at least one of the families v4, v6"};
  std::vector<BindTarget> out;
  for (const auto& text : spec.addresses) {
    auto ip = net::IpAddress::parse(text);
    if (!ip.ok()) return Error{"bad_request", "address \"" + text + "\": " + ip.error().message};
    if (ip->family == net::Family::v6 && ip->is_link_local() && ip->scope_id == 0)
      return Error{"bad_request", "address " + text + ": a link-local address needs its interface (fe80::1%eth0)"};
    add(out, BindTarget{*ip, ""});
  }
  for (const auto& name : spec.interfaces) {
    if (name == "*") {
      for (const auto& nic : snapshot.interfaces)
        if (nic.flags.usable()) add_interface(spec, nic, out);
      continue;
    }
    const net::Interface* nic = snapshot.find(name);
    if (!nic) return Error{"no_such_interface", "no interface named " + name};
    add_interface(spec, *nic, out);
  }
  if (spec.addresses.empty() && spec.interfaces.empty()) {
    if (spec.v4) add(out, BindTarget{*net::IpAddress::parse("127.0.0.1"), "", true});
    if (spec.v6) add(out, BindTarget{*net::IpAddress::parse("::1"), "", true});
  }
  if (out.empty()) return Error{"not_found", "no address of the requested families on the requested interfaces"};
  return out;
}

}  // namespace p2pd::pipe
