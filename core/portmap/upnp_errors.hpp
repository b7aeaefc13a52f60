#pragma once
// What UPnP IGD answers mean for a mapper (pure): miniupnpc's return values (a UPnP
// error code, or one of its own negative UPNPCOMMAND_* codes) become the error codes of
// mapping.hpp, with the action and the answer in the message.
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace p2pd::portmap {

// 606/702/703 not_authorized, 718/729 port_taken, 701/728 no_resources, 401/602/705
// unsupported, no answer or an HTTP failure (-1, -3) timeout, the rest failed.
Error upnp_error(std::string_view action, int code);

// The UPnP names of the codes IGD v1/v2 and WANIPv6FirewallControl define ("ConflictInMappingEntry").
std::string_view upnp_error_name(int code);

}  // namespace p2pd::portmap
