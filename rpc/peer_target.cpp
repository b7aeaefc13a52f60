#include "rpc/peer_target.hpp"

namespace p2pd::rpc {

Result<peer::PeerTarget> parse_peer_target(const std::string& to, const peer::AddressBook* book) {
  if (to == "self") return peer::PeerTarget{true, {}};
  if (proto::peer::looks_like_address(to) || !book) {
    auto a = proto::peer::parse(to);
    if (!a) return Error{"bad_request", "\"to\": not \"self\" and not a peer address: " + a.error().message};
    return peer::PeerTarget{false, std::move(*a)};
  }
  auto a = book->resolve(to);
  if (!a) {
    if (a.error().code == "not_found") return Error{"not_found", "\"to\": " + a.error().message};
    return Error{"bad_request", "\"to\": not \"self\", a peer address or an address-book name: " + a.error().message};
  }
  return peer::PeerTarget{false, std::move(*a)};
}

}  // namespace p2pd::rpc
