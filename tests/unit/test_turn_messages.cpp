// TURN requests and the readers of server messages: builders parse back to what was
// asked, long-term MESSAGE-INTEGRITY reproduces RFC 5769 §2.4, and bad answers are
// "malformed" rather than half-read.
#include <catch2/catch.hpp>

#include "core/proto/stun_integrity.hpp"
#include "core/proto/turn_messages.hpp"
#include "test_stun_util.hpp"

using namespace p2pd::proto;
using namespace p2pd::proto::turn;
using namespace p2pd::proto::stun::testing;

namespace {

const TransactionId kId = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};
const Address kPeer4 = Address::v4({192, 0, 2, 1}, 32853);
const Address kPeer6 = Address::v6({0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77},
                                   32853);

stun::Message round_trip(const stun::Message& m) {
  auto back = stun::parse(stun::serialize(m));
  REQUIRE(back.ok());
  return *back;
}

stun::Message response(stun::MessageClass cls, stun::Method method) {
  stun::Message m;
  m.message_class = cls;
  m.method = method;
  m.transaction_id = kId;
  return m;
}

}  // namespace

TEST_CASE("Long-term credentials reproduce RFC 5769 2.4", "[turn][rfc5769]") {
  auto key = stun::long_term_key(kRfc5769LongTermUser, kRfc5769Realm, kRfc5769LongTermPassword);
  REQUIRE(key.ok());
  LongTermCredentials creds{std::string(kRfc5769LongTermUser), std::string(kRfc5769Realm),
                            std::string(kRfc5769Nonce), *key};
  stun::Message binding;
  binding.transaction_id = {0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e};
  // The vector's own bytes, MESSAGE-INTEGRITY included.
  CHECK(serialize_request(binding, &creds) == rfc5769_long_term_request());

  auto plain = serialize_request(binding, nullptr);
  CHECK(plain.size() == 20);
  CHECK_FALSE(stun::parse(plain)->has(stun::attr::message_integrity));
}

TEST_CASE("Allocate request carries what was asked", "[turn]") {
  AllocateParams p;
  p.protocol = kProtocolTcp;
  p.family = AddressFamily::v6;
  p.lifetime = 300;
  p.even_port = true;
  p.dont_fragment = true;
  auto m = round_trip(make_allocate(kId, p));
  CHECK(m.method == method::allocate);
  CHECK(m.message_class == stun::MessageClass::request);
  CHECK(get_requested_transport(m).value() == kProtocolTcp);
  CHECK(get_address_family(m, attr::requested_address_family).value() == AddressFamily::v6);
  CHECK(get_lifetime(m).value() == 300);
  CHECK(get_even_port(m).value());
  CHECK(m.has(attr::dont_fragment));
  CHECK_FALSE(m.has(attr::reservation_token));
  CHECK_FALSE(m.has(attr::additional_address_family));

  auto minimal = round_trip(make_allocate(kId, {}));
  CHECK(minimal.attributes.size() == 1);  // REQUESTED-TRANSPORT UDP only
  CHECK(get_requested_transport(minimal).value() == kProtocolUdp);

  AllocateParams token;
  token.reservation_token = 42;
  CHECK(get_reservation_token(round_trip(make_allocate(kId, token))).value() == 42);
}

TEST_CASE("Refresh, CreatePermission, ChannelBind, Send, Connect, ConnectionBind", "[turn]") {
  auto refresh = round_trip(make_refresh(kId, 0));
  CHECK(refresh.method == method::refresh);
  CHECK(get_lifetime(refresh).value() == 0);
  CHECK(get_address_family(round_trip(make_refresh(kId, 60, AddressFamily::v6)), attr::requested_address_family)
            .value() == AddressFamily::v6);

  const Address peers[] = {kPeer4, kPeer6};
  auto perm = round_trip(make_create_permission(kId, peers));
  CHECK(perm.method == method::create_permission);
  std::vector<Address> got;
  for (const auto& a : perm.attributes)
    if (a.type == attr::xor_peer_address) got.push_back(stun::decode_xor_address(a.value, kId).value());
  CHECK(got == std::vector<Address>{kPeer4, kPeer6});

  auto bind = round_trip(make_channel_bind(kId, 0x4005, kPeer6));
  CHECK(get_channel_number(bind).value() == 0x4005);
  CHECK(stun::get_xor_address(bind, attr::xor_peer_address).value() == kPeer6);

  const std::vector<std::uint8_t> data = {'h', 'i', '!'};
  auto send = round_trip(make_send_indication(kId, kPeer4, data, true));
  CHECK(send.message_class == stun::MessageClass::indication);
  CHECK(send.method == method::send);
  CHECK(send.has(attr::dont_fragment));
  CHECK(stun::get_xor_address(send, attr::xor_peer_address).value() == kPeer4);
  CHECK(std::vector<std::uint8_t>(get_data(send)->begin(), get_data(send)->end()) == data);

  auto connect = round_trip(make_connect(kId, kPeer4));
  CHECK(connect.method == method::connect);
  CHECK(stun::get_xor_address(connect, attr::xor_peer_address).value() == kPeer4);
  auto cb = round_trip(make_connection_bind(kId, 0x01020304));
  CHECK(cb.method == method::connection_bind);
  CHECK(get_connection_id(cb).value() == 0x01020304);
}

TEST_CASE("Allocate success: relayed (one or two families), mapped, lifetime", "[turn]") {
  auto r = response(stun::MessageClass::success_response, method::allocate);
  stun::add_xor_address(r, attr::xor_relayed_address, kPeer4);
  stun::add_xor_address(r, attr::xor_relayed_address, kPeer6);
  stun::add_xor_address(r, stun::attr::xor_mapped_address, Address::v4({203, 0, 113, 11}, 40000));
  add_lifetime(r, 600);
  add_reservation_token(r, 7);
  auto ok = read_allocate_success(round_trip(r));
  REQUIRE(ok.ok());
  CHECK(ok->relayed == std::vector<Address>{kPeer4, kPeer6});
  CHECK(ok->mapped == Address::v4({203, 0, 113, 11}, 40000));
  CHECK(ok->lifetime == 600);
  CHECK(ok->reservation_token == 7u);
  CHECK_FALSE(ok->address_error.has_value());

  // ADDRESS-ERROR-CODE for the family that was refused.
  auto partial = response(stun::MessageClass::success_response, method::allocate);
  stun::add_xor_address(partial, attr::xor_relayed_address, kPeer4);
  add_lifetime(partial, 600);
  partial.add(attr::address_error_code, encode_address_error_code({AddressFamily::v6, 440, "no v6"}));
  auto p = read_allocate_success(partial);
  REQUIRE(p.ok());
  CHECK(p->address_error->code == 440);

  auto no_lifetime = response(stun::MessageClass::success_response, method::allocate);
  stun::add_xor_address(no_lifetime, attr::xor_relayed_address, kPeer4);
  CHECK(read_allocate_success(no_lifetime).error().code == "malformed");
  auto no_relay = response(stun::MessageClass::success_response, method::allocate);
  add_lifetime(no_relay, 600);
  CHECK(read_allocate_success(no_relay).error().code == "malformed");
  auto bad_relay = no_relay;
  bad_relay.add(attr::xor_relayed_address, hex("00 01 00"));
  CHECK(read_allocate_success(bad_relay).error().code == "malformed");
}

TEST_CASE("Data and ConnectionAttempt indications", "[turn]") {
  const std::vector<std::uint8_t> payload = {1, 2, 3};
  auto data = response(stun::MessageClass::indication, method::data);
  stun::add_xor_address(data, attr::xor_peer_address, kPeer6);
  add_data(data, payload);
  auto parsed = round_trip(data);
  auto d = read_data_indication(parsed);
  REQUIRE(d.ok());
  CHECK(d->peer == kPeer6);
  CHECK(std::vector<std::uint8_t>(d->data.begin(), d->data.end()) == payload);

  auto icmp = response(stun::MessageClass::indication, method::data);
  stun::add_xor_address(icmp, attr::xor_peer_address, kPeer4);
  icmp.add(attr::icmp, encode_icmp({3, 3, 0}));
  auto i = read_data_indication(icmp);
  REQUIRE(i.ok());
  CHECK(i->icmp->type == 3);
  CHECK(i->data.empty());

  auto no_data = response(stun::MessageClass::indication, method::data);
  stun::add_xor_address(no_data, attr::xor_peer_address, kPeer4);
  CHECK(read_data_indication(no_data).error().code == "malformed");
  auto no_peer = response(stun::MessageClass::indication, method::data);
  add_data(no_peer, payload);
  CHECK(read_data_indication(no_peer).error().code == "malformed");

  auto attempt = response(stun::MessageClass::indication, method::connection_attempt);
  add_connection_id(attempt, 99);
  stun::add_xor_address(attempt, attr::xor_peer_address, kPeer4);
  auto a = read_connection_attempt(round_trip(attempt));
  REQUIRE(a.ok());
  CHECK(a->connection_id == 99);
  CHECK(a->peer == kPeer4);
  auto half = response(stun::MessageClass::indication, method::connection_attempt);
  add_connection_id(half, 99);
  CHECK(read_connection_attempt(half).error().code == "malformed");
}

TEST_CASE("Error replies: code, challenge, alternate server", "[turn]") {
  auto r = response(stun::MessageClass::error_response, method::allocate);
  stun::add_error_code(r, {401, "Unauthorized"});
  stun::add_text(r, stun::attr::realm, "lab.p2pd");
  stun::add_text(r, stun::attr::nonce, "abcdef");
  auto e = read_error_reply(round_trip(r));
  REQUIRE(e.ok());
  CHECK(e->error.code == 401);
  CHECK(e->realm == "lab.p2pd");
  CHECK(e->nonce == "abcdef");
  CHECK_FALSE(e->alternate_server.has_value());

  auto alt = response(stun::MessageClass::error_response, method::allocate);
  stun::add_error_code(alt, {300, "Try Alternate"});
  stun::add_address(alt, stun::attr::alternate_server, kPeer4);
  CHECK(read_error_reply(alt)->alternate_server == kPeer4);

  CHECK(read_error_reply(response(stun::MessageClass::error_response, method::allocate)).error().code ==
        "malformed");
  CHECK(error_code_name(437) == "Allocation Mismatch");
  CHECK(error_code_name(508) == "Insufficient Capacity");
  CHECK(error_code_name(599).empty());
}
