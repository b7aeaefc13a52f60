#include <array>

#include "core/proto/pcp_constants.hpp"

namespace p2pd::proto::pcp {

std::string result_name(std::uint8_t code) {
  static constexpr std::array<const char*, 14> kNames = {
      "SUCCESS",          "UNSUPP_VERSION",  "NOT_AUTHORIZED",  "MALFORMED_REQUEST",      "UNSUPP_OPCODE",
      "UNSUPP_OPTION",    "MALFORMED_OPTION", "NETWORK_FAILURE", "NO_RESOURCES",          "UNSUPP_PROTOCOL",
      "USER_EX_QUOTA",    "CANNOT_PROVIDE_EXTERNAL", "ADDRESS_MISMATCH", "EXCESSIVE_REMOTE_PEERS"};
  if (code < kNames.size()) return kNames[code];
  return "result " + std::to_string(code);
}

bool is_short_term_error(std::uint8_t code) {
  switch (static_cast<ResultCode>(code)) {
    case ResultCode::network_failure:
    case ResultCode::no_resources:
    case ResultCode::user_ex_quota:
    case ResultCode::cannot_provide_external:
      return true;
    default:
      return false;
  }
}

}  // namespace p2pd::proto::pcp
