#include "core/portmap/upnp_pinhole.hpp"

#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>

#include <cstdlib>

#include "core/portmap/upnp_errors.hpp"
#include "core/portmap/upnp_handles.hpp"

namespace p2pd::portmap::upnp {

namespace {

// WANIPv6FirewallControl names protocols by IANA number.
const char* proto_number(Protocol p) { return p == Protocol::udp ? "17" : "6"; }

Error soap_error(std::string_view action, int code) {
  Error e = upnp_error(action, code);
  if (code == 704) e.code = "no_such_entry";
  return e;
}

}  // namespace

Result<FirewallIgd> discover_firewall(const std::string& interface_name, int delay_ms) {
  static const char* const kTypes[] = {"urn:schemas-upnp-org:device:InternetGatewayDevice:2",
                                       "urn:schemas-upnp-org:service:WANIPv6FirewallControl:1",
                                       "urn:schemas-upnp-org:device:InternetGatewayDevice:1", nullptr};
  int error = 0;
  DevList devices;
  // ipv6=1: the search goes to ff02::c through `interface_name`; searchalltypes=1 as
  // for IPv4 (every type sent at once, answers waited for once).
  devices.head = upnpDiscoverDevices(kTypes, delay_ms, interface_name.empty() ? nullptr : interface_name.c_str(),
                                     nullptr, UPNP_LOCAL_PORT_ANY, 1, 2, &error, 1);
  const std::string where = interface_name.empty() ? std::string("any interface") : interface_name;
  if (!devices.head)
    return Error{"timeout", "UPnP: no IGD answered SSDP discovery over IPv6 (ff02::c) on " + where + " within " +
                                std::to_string(delay_ms) + " ms" + (error ? " (error " + std::to_string(error) + ")" : "")};
  Urls urls;
  IGDdatas data{};
  char lan[64] = {0};
  const int found = UPNP_GetValidIGD(devices.head, &urls.urls, &data, lan, sizeof lan);
  if (found != 1 && found != 2)
    return Error{"unsupported", "UPnP: the devices answering SSDP over IPv6 on " + where + " are no IGD"};
  FirewallIgd igd;
  igd.root_url = text(urls.urls.rootdescURL);
  igd.control_url = text(urls.urls.controlURL_6FC);
  igd.service_type = data.IPv6FC.servicetype;
  igd.local_address = lan;
  if (igd.control_url.empty() || igd.service_type.empty())
    return Error{"unsupported", "UPnP: IGD " + igd.root_url + " offers no WANIPv6FirewallControl"};
  int enabled = 0, inbound = 0;
  const int rc = UPNP_GetFirewallStatus(igd.control_url.c_str(), igd.service_type.c_str(), &enabled, &inbound);
  if (rc != UPNPCOMMAND_SUCCESS) return soap_error("GetFirewallStatus", rc);
  igd.firewall_enabled = enabled != 0;
  igd.inbound_allowed = inbound != 0;
  if (!igd.firewall_enabled)
    return Error{"firewall_off", "UPnP: IGD " + igd.root_url + " says its IPv6 firewall is off (nothing to open)"};
  if (!igd.inbound_allowed)
    return Error{"not_authorized", "UPnP: IGD " + igd.root_url + " allows no inbound IPv6 pinholes"};
  return igd;
}

Result<std::uint16_t> add_pinhole(const FirewallIgd& igd, const std::string& address, std::uint16_t port,
                                  Protocol protocol, std::uint32_t lease_s) {
  const std::string p = std::to_string(port), lease = std::to_string(lease_s);
  char unique[16] = {0};
  // RemoteHost "" and RemotePort "0": any remote host and port.
  const int rc = UPNP_AddPinhole(igd.control_url.c_str(), igd.service_type.c_str(), "", "0", address.c_str(),
                                 p.c_str(), proto_number(protocol), lease.c_str(), unique);
  if (rc != UPNPCOMMAND_SUCCESS) return soap_error("AddPinhole", rc);
  char* end = nullptr;
  const unsigned long id = std::strtoul(unique, &end, 10);
  if (!unique[0] || *end != '\0' || id > 65535)
    return Error{"failed", "UPnP: AddPinhole answered an unreadable UniqueID \"" + std::string(unique) + "\""};
  return static_cast<std::uint16_t>(id);
}

Status update_pinhole(const FirewallIgd& igd, std::uint16_t unique_id, std::uint32_t lease_s) {
  const std::string id = std::to_string(unique_id), lease = std::to_string(lease_s);
  const int rc = UPNP_UpdatePinhole(igd.control_url.c_str(), igd.service_type.c_str(), id.c_str(), lease.c_str());
  if (rc != UPNPCOMMAND_SUCCESS) return soap_error("UpdatePinhole", rc);
  return Status{};
}

Status delete_pinhole(const FirewallIgd& igd, std::uint16_t unique_id) {
  const std::string id = std::to_string(unique_id);
  const int rc = UPNP_DeletePinhole(igd.control_url.c_str(), igd.service_type.c_str(), id.c_str());
  if (rc != UPNPCOMMAND_SUCCESS) return soap_error("DeletePinhole", rc);
  return Status{};
}

}  // namespace p2pd::portmap::upnp
