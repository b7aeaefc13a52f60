#pragma once
// The API's browser defence and token rules (docs/API.md, "REST conventions"), as pure
// functions so that each rule is unit-tested on its own.
#include <optional>
#include <string>
#include <string_view>

namespace p2pd::rpc {

// Host must be localhost, 127.x.x.x or [::1], each with an optional port.
bool host_allowed(std::string_view host_header);

// Origin may be absent (caller passes nullopt), "null", or http://localhost,
// http://127.0.0.1, http://[::1] with an optional port.
bool origin_allowed(std::optional<std::string_view> origin_header);

// "Bearer <token>" compared in constant time.
bool bearer_matches(std::optional<std::string_view> authorization_header, std::string_view token);

enum class Rejection { none, forbidden_host, forbidden_origin, unauthorized };

struct RequestFacts {
  bool over_unix_socket = false;
  bool token_required = true;
  std::optional<std::string_view> host;
  std::optional<std::string_view> origin;
  std::optional<std::string_view> authorization;
  std::string_view method;
  std::string_view path;
};

// The first rule a request breaks, in the documented order (host, origin, token).
// Unix-socket requests pass (the socket's file mode guards it). GET /version needs no
// token.
Rejection check_access(const RequestFacts& facts, std::string_view token);

std::string_view rejection_slug(Rejection r);

}  // namespace p2pd::rpc
