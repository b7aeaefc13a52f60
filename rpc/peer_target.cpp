#include "rpc/peer_target.hpp"

#include "rpc/json_body.hpp"

namespace p2pd::rpc {

Result<peer::PeerTarget> parse_peer_target(const std::string& to, const peer::AddressBook* book) {
  if (to == "self") return peer::PeerTarget{true, {}, {}};
  if (proto::peer::looks_like_address(to) || !book) {
    auto a = proto::peer::parse(to);
    if (!a) return Error{"bad_request", "\"to\": not \"self\" and not a peer address: " + a.error().message};
    return peer::PeerTarget{false, std::move(*a), {}};
  }
  auto a = book->resolve(to);
  if (!a) {
    if (a.error().code == "not_found") return Error{"not_found", "\"to\": " + a.error().message};
    return Error{"bad_request", "\"to\": not \"self\", a peer address or an address-book name: " + a.error().message};
  }
  return peer::PeerTarget{false, std::move(*a), {}};
}

Result<std::optional<peer::PathKind>> parse_forced_path(const std::string& path) {
  if (path.empty() || path == "any") return std::optional<peer::PathKind>{};
  if (path == "udp") return std::optional<peer::PathKind>{peer::PathKind::udp};
  if (path == "tcp") return std::optional<peer::PathKind>{peer::PathKind::tcp};
  return Error{"bad_request", "\"path\" must be \"udp\", \"tcp\" or \"any\""};
}

Result<peer::PeerTarget> target_field(const nlohmann::json& body, const peer::AddressBook* book) {
  auto to = string_field(body, "to");
  if (!to) return to.error();
  return parse_peer_target(*to, book);
}

}  // namespace p2pd::rpc
