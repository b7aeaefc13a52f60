#include "core/portmap/upnp_igd.hpp"

#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#include <sodium.h>

#include <memory>

#include "core/portmap/upnp_errors.hpp"
#include "core/portmap/upnp_handles.hpp"

namespace p2pd::portmap::upnp {

namespace {

const char* proto_text(Protocol p) { return p == Protocol::udp ? "UDP" : "TCP"; }

}  // namespace

Result<Igd> discover(const std::string& interface_address, int delay_ms) {
  static const char* const kTypes[] = {"urn:schemas-upnp-org:device:InternetGatewayDevice:2",
                                       "urn:schemas-upnp-org:device:InternetGatewayDevice:1",
                                       "urn:schemas-upnp-org:service:WANIPConnection:2",
                                       "urn:schemas-upnp-org:service:WANIPConnection:1",
                                       "urn:schemas-upnp-org:service:WANPPPConnection:1",
                                       nullptr};
  int error = 0;
  DevList devices;
  // searchalltypes=1: every M-SEARCH goes out first and the answers are waited for
  // once. With 0, miniupnpc waits delay_ms after each type nobody answers: 5 x delay_ms
  // before it says "no IGD".
  devices.head = upnpDiscoverDevices(kTypes, delay_ms, interface_address.empty() ? nullptr : interface_address.c_str(),
                                     nullptr, UPNP_LOCAL_PORT_ANY, 0, 2, &error, 1);
  if (!devices.head)
    return Error{"timeout", "UPnP: no IGD answered SSDP discovery from " +
                                (interface_address.empty() ? std::string("any interface") : interface_address) +
                                " within " + std::to_string(delay_ms) + " ms" +
                                (error ? " (error " + std::to_string(error) + ")" : "")};
  Urls urls;
  IGDdatas data{};
  char lan[64] = {0};
  const int found = UPNP_GetValidIGD(devices.head, &urls.urls, &data, lan, sizeof lan);
  // 1: connected IGD; 2: an IGD whose WAN side says it is not connected (miniupnpd in
  // a lab without a real uplink says so; its mappings work); 3: a UPnP device, no IGD.
  if (found != 1 && found != 2)
    return Error{"unsupported", "UPnP: the devices answering SSDP from " + interface_address + " are no IGD"};
  Igd igd;
  igd.root_url = text(urls.urls.rootdescURL);
  igd.control_url = text(urls.urls.controlURL);
  igd.service_type = data.first.servicetype;
  igd.version = igd.service_type.ends_with(":2") ? 2 : 1;
  igd.firewall_url = text(urls.urls.controlURL_6FC);
  igd.firewall_type = data.IPv6FC.servicetype;
  igd.lan_address = lan[0] ? std::string(lan) : interface_address;
  igd.connected = found == 1;
  if (igd.control_url.empty()) return Error{"unsupported", "UPnP: IGD " + igd.root_url + " has no WAN connection service"};
  return igd;
}

Result<std::string> external_address(const Igd& igd) {
  char ip[40] = {0};
  const int rc = UPNP_GetExternalIPAddress(igd.control_url.c_str(), igd.service_type.c_str(), ip);
  if (rc != UPNPCOMMAND_SUCCESS) return upnp_error("GetExternalIPAddress", rc);
  if (!ip[0]) return Error{"failed", "UPnP: IGD " + igd.root_url + " has no external address"};
  return std::string(ip);
}

Result<Granted> get_mapping(const Igd& igd, Protocol protocol, std::uint16_t external_port,
                            std::uint16_t internal_port) {
  char client[40] = {0}, port[6] = {0}, desc[80] = {0}, enabled[4] = {0}, lease[16] = {0};
  const std::string ext = std::to_string(external_port);
  const int rc = UPNP_GetSpecificPortMappingEntry(igd.control_url.c_str(), igd.service_type.c_str(), ext.c_str(),
                                                  proto_text(protocol), nullptr, client, port, desc, enabled, lease);
  if (rc != UPNPCOMMAND_SUCCESS) return upnp_error("GetSpecificPortMappingEntry", rc);
  if (std::string(client) != igd.lan_address || std::to_string(internal_port) != port)
    return Error{"port_taken", "UPnP: external port " + ext + " maps to " + client + ":" + port + ", not to us"};
  Granted g;
  g.external_port = external_port;
  g.lease_s = static_cast<std::uint32_t>(std::strtoul(lease, nullptr, 10));
  return g;
}

Result<Granted> add_mapping(const Igd& igd, Protocol protocol, std::uint16_t internal_port,
                            std::uint16_t external_port, std::uint32_t lease_s, const std::string& description) {
  const std::string in = std::to_string(internal_port), lease = std::to_string(lease_s);
  auto add = [&](std::uint16_t ext) -> int {
    const std::string e = std::to_string(ext);
    return UPNP_AddPortMapping(igd.control_url.c_str(), igd.service_type.c_str(), e.c_str(), in.c_str(),
                               igd.lan_address.c_str(), description.c_str(), proto_text(protocol), nullptr,
                               lease.c_str());
  };
  std::uint16_t port = external_port;
  int rc = 0;
  if (external_port != 0) {
    rc = add(external_port);
    if (rc != UPNPCOMMAND_SUCCESS) return upnp_error("AddPortMapping", rc);
  } else if (igd.version >= 2) {
    char reserved[6] = {0};
    rc = UPNP_AddAnyPortMapping(igd.control_url.c_str(), igd.service_type.c_str(), in.c_str(), in.c_str(),
                                igd.lan_address.c_str(), description.c_str(), proto_text(protocol), nullptr,
                                lease.c_str(), reserved);
    if (rc != UPNPCOMMAND_SUCCESS) return upnp_error("AddAnyPortMapping", rc);
    port = static_cast<std::uint16_t>(std::strtoul(reserved, nullptr, 10));
    if (port == 0) return Error{"failed", "UPnP: AddAnyPortMapping granted no port"};
  } else {
    // IGD v1 has no "any port": the internal port, then random ones above 1024.
    port = internal_port;
    for (int attempt = 0; attempt < 5; ++attempt) {
      rc = add(port);
      if (rc == UPNPCOMMAND_SUCCESS || upnp_error("", rc).code != "port_taken") break;
      port = static_cast<std::uint16_t>(1025 + randombytes_uniform(65535 - 1025));
    }
    if (rc != UPNPCOMMAND_SUCCESS) return upnp_error("AddPortMapping", rc);
  }
  auto held = get_mapping(igd, protocol, port, internal_port);
  if (!held) return held.error();
  auto ip = external_address(igd);
  if (!ip) return ip.error();
  held->external_ip = *ip;
  return held;
}

Status delete_mapping(const Igd& igd, Protocol protocol, std::uint16_t external_port) {
  const std::string ext = std::to_string(external_port);
  const int rc =
      UPNP_DeletePortMapping(igd.control_url.c_str(), igd.service_type.c_str(), ext.c_str(), proto_text(protocol), nullptr);
  if (rc != UPNPCOMMAND_SUCCESS) return upnp_error("DeletePortMapping", rc);
  return Status{};
}

}  // namespace p2pd::portmap::upnp
