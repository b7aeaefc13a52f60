#pragma once
// The "to" of peer requests (POST /v1/sessions, POST /v1/pipes, GET /open/<c>/<to>):
// "self", a peer address, or an address-book name. Text spelled like an address is
// always an address (proto::peer::looks_like_address). Errors: "bad_request" (says which
// part is wrong), "not_found" (a name not in the book).
#include <string>

#include "core/peer/address_book.hpp"
#include "core/peer/peer_pipes.hpp"
#include "core/result.hpp"

namespace p2pd::rpc {

Result<peer::PeerTarget> parse_peer_target(const std::string& to, const peer::AddressBook* book);

}  // namespace p2pd::rpc
