#pragma once
// IPv6 pinholes through UPnP IGD WANIPv6FirewallControl, with libminiupnpc. Every
// function here BLOCKS (SSDP, HTTP, SOAP): call them only on the libuv threadpool
// (loop::Work), never on the loop thread. Values in and out are plain copies.
//
// The IGD opens a pinhole only for the address the SOAP request comes from (miniupnpd
// answers 606 otherwise), so the control URL is reached over IPv6; the kernel picks the
// request's source address (libminiupnpc binds none).
#include <cstdint>
#include <string>

#include "core/portmap/mapping.hpp"
#include "core/result.hpp"

namespace p2pd::portmap::upnp {

// An IGD offering WANIPv6FirewallControl, found over IPv6.
struct FirewallIgd {
  std::string root_url;        // its description, an IPv6 URL
  std::string control_url;     // WANIPv6FirewallControl's
  std::string service_type;    // "urn:schemas-upnp-org:service:WANIPv6FirewallControl:1"
  std::string local_address;   // our address as the IGD sees it (what it pinholes)
  bool firewall_enabled = true;
  bool inbound_allowed = true;
};

// SSDP M-SEARCH over IPv6 (ff02::c, sent on `interface_name`) for IGD v2 / v1 and the
// firewall service, up to delay_ms; then GetFirewallStatus. Errors: "timeout" (nobody
// answered), "unsupported" (no IGD, or one without WANIPv6FirewallControl),
// "not_authorized" (the firewall allows no inbound pinholes), "firewall_off" (the IGD
// has no IPv6 firewall: nothing needs opening).
Result<FirewallIgd> discover_firewall(const std::string& interface_name, int delay_ms);

// AddPinhole from any remote host and port to address:port; the IGD's UniqueID.
Result<std::uint16_t> add_pinhole(const FirewallIgd& igd, const std::string& address, std::uint16_t port,
                                  Protocol protocol, std::uint32_t lease_s);
// UpdatePinhole: a new lease for `unique_id`. Error "no_such_entry" when the IGD no
// longer holds it (704: expired, or the IGD restarted).
Status update_pinhole(const FirewallIgd& igd, std::uint16_t unique_id, std::uint32_t lease_s);
// DeletePinhole. "no_such_entry" as above.
Status delete_pinhole(const FirewallIgd& igd, std::uint16_t unique_id);

}  // namespace p2pd::portmap::upnp
