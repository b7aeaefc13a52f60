#include "core/proto/stun_names.hpp"

#include <cstdio>
#include <string_view>

namespace p2pd::proto::stun {
namespace {

std::string hex16(std::uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04X", static_cast<unsigned>(v));
  return buf;
}

std::string_view known_attribute(std::uint16_t type) {
  switch (type) {
    case attr::mapped_address: return "MAPPED-ADDRESS";
    case attr::response_address: return "RESPONSE-ADDRESS";
    case attr::change_request: return "CHANGE-REQUEST";
    case attr::source_address: return "SOURCE-ADDRESS";
    case attr::changed_address: return "CHANGED-ADDRESS";
    case attr::username: return "USERNAME";
    case attr::password: return "PASSWORD";
    case attr::message_integrity: return "MESSAGE-INTEGRITY";
    case attr::error_code: return "ERROR-CODE";
    case attr::unknown_attributes: return "UNKNOWN-ATTRIBUTES";
    case attr::reflected_from: return "REFLECTED-FROM";
    case attr::realm: return "REALM";
    case attr::nonce: return "NONCE";
    case attr::message_integrity_sha256: return "MESSAGE-INTEGRITY-SHA256";
    case attr::password_algorithm: return "PASSWORD-ALGORITHM";
    case attr::userhash: return "USERHASH";
    case attr::xor_mapped_address: return "XOR-MAPPED-ADDRESS";
    case attr::priority: return "PRIORITY";
    case attr::use_candidate: return "USE-CANDIDATE";
    case attr::padding: return "PADDING";
    case attr::response_port: return "RESPONSE-PORT";
    case attr::password_algorithms: return "PASSWORD-ALGORITHMS";
    case attr::alternate_domain: return "ALTERNATE-DOMAIN";
    case attr::software: return "SOFTWARE";
    case attr::alternate_server: return "ALTERNATE-SERVER";
    case attr::fingerprint: return "FINGERPRINT";
    case attr::ice_controlled: return "ICE-CONTROLLED";
    case attr::ice_controlling: return "ICE-CONTROLLING";
    case attr::response_origin: return "RESPONSE-ORIGIN";
    case attr::other_address: return "OTHER-ADDRESS";
    default: return {};
  }
}

}  // namespace

std::string attribute_name(std::uint16_t type) {
  std::string_view name = known_attribute(type);
  return name.empty() ? hex16(type) : std::string(name);
}

std::string method_name(Method m) {
  switch (m) {
    case method::binding: return "Binding";
    case method::shared_secret: return "SharedSecret";
    default: return hex16(m);
  }
}

std::string class_name(MessageClass c) {
  switch (c) {
    case MessageClass::request: return "request";
    case MessageClass::indication: return "indication";
    case MessageClass::success_response: return "success response";
    case MessageClass::error_response: return "error response";
  }
  return "?";
}

}  // namespace p2pd::proto::stun
