#include "core/proto/turn_messages.hpp"

namespace p2pd::proto::turn {
namespace {

stun::Message base(stun::MessageClass cls, stun::Method method, const TransactionId& id) {
  stun::Message m;
  m.message_class = cls;
  m.method = method;
  m.transaction_id = id;
  return m;
}

stun::Message request(stun::Method method, const TransactionId& id) {
  return base(stun::MessageClass::request, method, id);
}

}  // namespace

std::vector<std::uint8_t> serialize_request(stun::Message m, const LongTermCredentials* credentials) {
  if (!credentials) return stun::serialize(m);
  // In RFC 5769 §2.4's order.
  stun::add_text(m, stun::attr::username, credentials->username);
  stun::add_text(m, stun::attr::nonce, credentials->nonce);
  stun::add_text(m, stun::attr::realm, credentials->realm);
  stun::SerializeOptions options;
  options.integrity_key = credentials->key;
  return stun::serialize(m, options);
}

stun::Message make_allocate(const TransactionId& id, const AllocateParams& p) {
  stun::Message m = request(method::allocate, id);
  add_requested_transport(m, p.protocol);
  if (p.family) add_address_family(m, attr::requested_address_family, *p.family);
  if (p.additional) add_address_family(m, attr::additional_address_family, *p.additional);
  if (p.lifetime) add_lifetime(m, *p.lifetime);
  if (p.even_port) add_even_port(m, *p.even_port);
  if (p.reservation_token) add_reservation_token(m, *p.reservation_token);
  if (p.dont_fragment) add_dont_fragment(m);
  return m;
}

stun::Message make_refresh(const TransactionId& id, std::uint32_t lifetime, std::optional<AddressFamily> family) {
  stun::Message m = request(method::refresh, id);
  add_lifetime(m, lifetime);
  if (family) add_address_family(m, attr::requested_address_family, *family);
  return m;
}

stun::Message make_create_permission(const TransactionId& id, std::span<const Address> peers) {
  stun::Message m = request(method::create_permission, id);
  for (const Address& peer : peers) stun::add_xor_address(m, attr::xor_peer_address, peer);
  return m;
}

stun::Message make_channel_bind(const TransactionId& id, std::uint16_t channel, const Address& peer) {
  stun::Message m = request(method::channel_bind, id);
  add_channel_number(m, channel);
  stun::add_xor_address(m, attr::xor_peer_address, peer);
  return m;
}

stun::Message make_send_indication(const TransactionId& id, const Address& peer, std::span<const std::uint8_t> data,
                                   bool dont_fragment) {
  stun::Message m = base(stun::MessageClass::indication, method::send, id);
  stun::add_xor_address(m, attr::xor_peer_address, peer);
  if (dont_fragment) add_dont_fragment(m);
  add_data(m, data);
  return m;
}

stun::Message make_connect(const TransactionId& id, const Address& peer) {
  stun::Message m = request(method::connect, id);
  stun::add_xor_address(m, attr::xor_peer_address, peer);
  return m;
}

stun::Message make_connection_bind(const TransactionId& id, std::uint32_t connection_id) {
  stun::Message m = request(method::connection_bind, id);
  add_connection_id(m, connection_id);
  return m;
}

Result<AllocateSuccess> read_allocate_success(const stun::Message& r) {
  AllocateSuccess out;
  for (const stun::Attribute& a : r.attributes) {
    if (a.type != attr::xor_relayed_address) continue;
    auto relayed = stun::decode_xor_address(a.value, r.transaction_id);
    if (!relayed) return make_error("malformed", "XOR-RELAYED-ADDRESS: " + relayed.error().message);
    if (out.relayed.size() < 2) out.relayed.push_back(*relayed);
  }
  if (out.relayed.empty()) return make_error("malformed", "no XOR-RELAYED-ADDRESS");
  auto lifetime = get_lifetime(r);
  if (!lifetime) return make_error("malformed", lifetime.error().message);
  out.lifetime = *lifetime;
  if (auto mapped = stun::get_xor_address(r, stun::attr::xor_mapped_address)) out.mapped = *mapped;
  if (auto token = get_reservation_token(r)) out.reservation_token = *token;
  if (const stun::Attribute* a = r.find(attr::address_error_code))
    if (auto e = decode_address_error_code(a->value)) out.address_error = *e;
  return out;
}

Result<DataIndication> read_data_indication(const stun::Message& m) {
  auto peer = stun::get_xor_address(m, attr::xor_peer_address);
  if (!peer) return make_error("malformed", peer.error().message);
  DataIndication out{*peer, {}, std::nullopt};
  if (const stun::Attribute* a = m.find(attr::icmp)) {
    auto icmp = decode_icmp(a->value);
    if (!icmp) return make_error("malformed", "ICMP: " + icmp.error().message);
    out.icmp = *icmp;
  }
  auto data = get_data(m);
  if (data) {
    out.data = *data;
  } else if (!out.icmp) {
    return make_error("malformed", data.error().message);
  }
  return out;
}

Result<ConnectionAttempt> read_connection_attempt(const stun::Message& m) {
  auto id = get_connection_id(m);
  if (!id) return make_error("malformed", id.error().message);
  auto peer = stun::get_xor_address(m, attr::xor_peer_address);
  if (!peer) return make_error("malformed", peer.error().message);
  return ConnectionAttempt{*id, *peer};
}

Result<ErrorReply> read_error_reply(const stun::Message& m) {
  auto code = stun::get_error_code(m);
  if (!code) return make_error("malformed", code.error().message);
  ErrorReply out{*code, std::nullopt, std::nullopt, std::nullopt};
  if (auto realm = stun::get_realm(m)) out.realm = *realm;
  if (auto nonce = stun::get_nonce(m)) out.nonce = *nonce;
  if (auto alt = stun::get_address(m, stun::attr::alternate_server)) out.alternate_server = *alt;
  return out;
}

std::string_view error_code_name(std::uint16_t code) {
  switch (code) {
    case stun::error::try_alternate: return "Try Alternate";
    case stun::error::bad_request: return "Bad Request";
    case stun::error::unauthenticated: return "Unauthenticated";
    case error::forbidden: return "Forbidden";
    case stun::error::unknown_attribute: return "Unknown Attribute";
    case error::allocation_mismatch: return "Allocation Mismatch";
    case stun::error::stale_nonce: return "Stale Nonce";
    case error::address_family_not_supported: return "Address Family not Supported";
    case error::wrong_credentials: return "Wrong Credentials";
    case error::unsupported_transport: return "Unsupported Transport Protocol";
    case error::peer_address_family_mismatch: return "Peer Address Family Mismatch";
    case error::connection_already_exists: return "Connection Already Exists";
    case error::connection_timeout_or_failure: return "Connection Timeout or Failure";
    case error::allocation_quota_reached: return "Allocation Quota Reached";
    case stun::error::server_error: return "Server Error";
    case error::insufficient_capacity: return "Insufficient Capacity";
    default: return {};
  }
}

}  // namespace p2pd::proto::turn
