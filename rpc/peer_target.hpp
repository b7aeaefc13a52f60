#pragma once
// The "to" of peer requests (POST /v1/sessions, POST /v1/pipes, GET /open/<c>/<to>):
// "self", a peer address, or an address-book name. Text spelled like an address is
// always an address (proto::peer::looks_like_address). Errors: "bad_request" (says which
// part is wrong), "not_found" (a name not in the book).
#include <optional>
#include <nlohmann/json.hpp>
#include <string>

#include "core/peer/address_book.hpp"
#include "core/peer/peer_pipes.hpp"
#include "core/result.hpp"

namespace p2pd::rpc {

Result<peer::PeerTarget> parse_peer_target(const std::string& to, const peer::AddressBook* book);
// The "to" string of a JSON request body, parsed as above (missing or not a string:
// "bad_request").
Result<peer::PeerTarget> target_field(const nlohmann::json& body, const peer::AddressBook* book);

// The "path" of those requests (`?path=` on /open): "udp" or "tcp" forces the session's
// path kind, "" or "any" leaves it to the race. Anything else: "bad_request".
Result<std::optional<peer::PathKind>> parse_forced_path(const std::string& path);

}  // namespace p2pd::rpc
