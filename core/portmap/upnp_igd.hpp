#pragma once
// UPnP IGD through libminiupnpc. Every function here BLOCKS (SSDP, HTTP, SOAP): call
// them only on the libuv threadpool (loop::Work), never on the loop thread. Values in
// and out are plain copies, so a job needs nothing else.
#include <cstdint>
#include <string>

#include "core/portmap/mapping.hpp"
#include "core/result.hpp"

namespace p2pd::portmap::upnp {

// One Internet Gateway Device found by discovery.
struct Igd {
  std::string root_url;        // its description
  std::string control_url;     // WANIPConnection (or WANPPPConnection)
  std::string service_type;    // "urn:schemas-upnp-org:service:WANIPConnection:2", ...
  int version = 1;             // of the connection service: 2 offers AddAnyPortMapping
  std::string firewall_url;    // WANIPv6FirewallControl, empty when not offered
  std::string firewall_type;
  std::string lan_address;     // our address toward it (what mappings point at)
  bool connected = true;       // false: the IGD says its WAN side is down (still tried)
};

// SSDP M-SEARCH from `interface_address` (the socket is bound to it, so the search
// leaves on that interface) for IGD v2 and v1, waiting up to delay_ms for answers; the
// first device with a WAN connection service. Error "timeout" when nobody answered,
// "unsupported" when the devices found are no IGD.
Result<Igd> discover(const std::string& interface_address, int delay_ms);

Result<std::string> external_address(const Igd& igd);

struct Granted {
  std::uint16_t external_port = 0;
  std::uint32_t lease_s = 0;  // as the IGD reports it (0: permanent)
  std::string external_ip;
};

// AddPortMapping for external_port (AddAnyPortMapping on IGD v2 when it is 0; on v1
// the internal port, then a few random ports), then GetSpecificPortMappingEntry to read
// what the IGD holds, and the external address.
Result<Granted> add_mapping(const Igd& igd, Protocol protocol, std::uint16_t internal_port,
                            std::uint16_t external_port, std::uint32_t lease_s, const std::string& description);
// GetSpecificPortMappingEntry: whether the IGD holds external_port for us, its lease.
Result<Granted> get_mapping(const Igd& igd, Protocol protocol, std::uint16_t external_port,
                            std::uint16_t internal_port);
Status delete_mapping(const Igd& igd, Protocol protocol, std::uint16_t external_port);

}  // namespace p2pd::portmap::upnp
