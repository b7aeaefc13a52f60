// Ip: canonical text (what inet_ntop prints) in both directions.
#include <arpa/inet.h>

#include "core/proto/peer_address.hpp"

namespace p2pd::proto::peer {

Result<Ip> Ip::parse(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return Error{"bad_address", "not an IP address"};
  const std::string s(text);
  Ip ip;
  ip.family = s.find(':') != std::string::npos ? Family::v6 : Family::v4;
  const int af = ip.family == Family::v6 ? AF_INET6 : AF_INET;
  if (::inet_pton(af, s.c_str(), ip.bytes.data()) != 1)
    return Error{"bad_address", "\"" + s + "\" is not an IP address"};
  if (ip.to_string() != s) {
    return Error{"bad_address", "\"" + s + "\" is not written canonically (write \"" + ip.to_string() + "\")"};
  }
  return ip;
}

std::string Ip::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(family == Family::v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof(buf));
  return buf;
}

bool Ip::is_link_local() const {
  if (family == Family::v4) return bytes[0] == 169 && bytes[1] == 254;
  return bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80;
}

}  // namespace p2pd::proto::peer
