#include "core/portmap/mapping.hpp"

namespace p2pd::portmap {

std::string_view protocol_name(Protocol protocol) { return protocol == Protocol::udp ? "udp" : "tcp"; }

std::string_view method_name(Method method) {
  switch (method) {
    case Method::pcp: return "pcp";
    case Method::natpmp: return "natpmp";
    case Method::upnp: return "upnp";
  }
  return "?";
}

Result<Protocol> parse_protocol(std::string_view text) {
  if (text == "udp") return Protocol::udp;
  if (text == "tcp") return Protocol::tcp;
  return make_error("bad_request", "protocol must be \"udp\" or \"tcp\", not \"" + std::string(text) + "\"");
}

Result<Method> parse_method(std::string_view text) {
  if (text == "pcp") return Method::pcp;
  if (text == "natpmp") return Method::natpmp;
  if (text == "upnp") return Method::upnp;
  return make_error("bad_request", "method must be \"pcp\", \"natpmp\" or \"upnp\", not \"" + std::string(text) + "\"");
}

}  // namespace p2pd::portmap
