#pragma once
// A NatResult as JSON for GET /v1/nat and the nat.* events (names in docs/API.md).
#include <nlohmann/json.hpp>

#include "core/traverse/nat_types.hpp"

namespace p2pd::traverse {

nlohmann::json to_json(const NatResult& r);

}  // namespace p2pd::traverse
