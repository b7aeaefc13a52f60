#include "core/proto/stun_names.hpp"

#include <cstdio>
#include <string_view>

#include "core/proto/turn_constants.hpp"

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
    case turn::attr::channel_number: return "CHANNEL-NUMBER";
    case turn::attr::lifetime: return "LIFETIME";
    case turn::attr::xor_peer_address: return "XOR-PEER-ADDRESS";
    case turn::attr::data: return "DATA";
    case turn::attr::xor_relayed_address: return "XOR-RELAYED-ADDRESS";
    case turn::attr::requested_address_family: return "REQUESTED-ADDRESS-FAMILY";
    case turn::attr::even_port: return "EVEN-PORT";
    case turn::attr::requested_transport: return "REQUESTED-TRANSPORT";
    case turn::attr::dont_fragment: return "DONT-FRAGMENT";
    case turn::attr::reservation_token: return "RESERVATION-TOKEN";
    case turn::attr::connection_id: return "CONNECTION-ID";
    case turn::attr::additional_address_family: return "ADDITIONAL-ADDRESS-FAMILY";
    case turn::attr::address_error_code: return "ADDRESS-ERROR-CODE";
    case turn::attr::icmp: return "ICMP";
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
    case turn::method::allocate: return "Allocate";
    case turn::method::refresh: return "Refresh";
    case turn::method::send: return "Send";
    case turn::method::data: return "Data";
    case turn::method::create_permission: return "CreatePermission";
    case turn::method::channel_bind: return "ChannelBind";
    case turn::method::connect: return "Connect";
    case turn::method::connection_bind: return "ConnectionBind";
    case turn::method::connection_attempt: return "ConnectionAttempt";
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
