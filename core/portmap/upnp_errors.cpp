#include "core/portmap/upnp_errors.hpp"

namespace p2pd::portmap {

std::string_view upnp_error_name(int code) {
  switch (code) {
    case -1: return "unknown error (no answer or an unreadable one)";
    case -2: return "invalid arguments";
    case -3: return "HTTP error";
    case -4: return "invalid response";
    case -5: return "out of memory";
    case 401: return "InvalidAction";
    case 402: return "InvalidArgs";
    case 501: return "ActionFailed";
    case 602: return "OptionalActionNotImplemented";
    case 606: return "ActionNotAuthorized";
    case 701: return "PinholeSpaceExhausted";
    case 702: return "FirewallDisabled";
    case 703: return "InboundPinholeNotAllowed";
    case 704: return "NoSuchEntry";
    case 705: return "ProtocolNotSupported";
    case 706: return "InternalPortWildcardingNotAllowed";
    case 708: return "WildCardNotPermittedInSrcIP";
    case 709: return "NoPacketSent";
    case 713: return "SpecifiedArrayIndexInvalid";
    case 714: return "NoSuchEntryInArray";
    case 715: return "WildCardNotPermittedInSrcIP";
    case 716: return "WildCardNotPermittedInExtPort";
    case 718: return "ConflictInMappingEntry";
    case 724: return "SamePortValuesRequired";
    case 725: return "OnlyPermanentLeasesSupported";
    case 726: return "RemoteHostOnlySupportsWildcard";
    case 727: return "ExternalPortOnlySupportsWildcard";
    case 728: return "NoPortMapsAvailable";
    case 729: return "ConflictWithOtherMechanisms";
    case 732: return "WildCardNotPermittedInIntPort";
    default: return "error";
  }
}

Error upnp_error(std::string_view action, int code) {
  std::string slug = "failed";
  switch (code) {
    case -1:
    case -3: slug = "timeout"; break;
    case 401:
    case 602:
    case 705: slug = "unsupported"; break;
    case 606:
    case 702:
    case 703: slug = "not_authorized"; break;
    case 718:
    case 729: slug = "port_taken"; break;
    case 701:
    case 728: slug = "no_resources"; break;
    default: break;
  }
  return Error{slug, "UPnP " + std::string(action) + " answered " + std::to_string(code) + " " +
                         std::string(upnp_error_name(code))};
}

}  // namespace p2pd::portmap
