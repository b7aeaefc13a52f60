// TURN attribute values: layouts from RFC 8656 §18 / RFC 6062 §6.2, round trips,
// truncations and out-of-range values.
#include <catch2/catch.hpp>

#include "core/proto/stun_names.hpp"
#include "core/proto/turn_attributes.hpp"
#include "test_stun_util.hpp"

using namespace p2pd::proto;
using namespace p2pd::proto::turn;
using p2pd::proto::stun::testing::hex;

TEST_CASE("CHANNEL-NUMBER layout and range", "[turn]") {
  CHECK(encode_channel_number(0x4001) == hex("40 01 00 00"));
  CHECK(decode_channel_number(hex("4f ff 12 34")).value() == 0x4FFF);  // RFFU ignored
  CHECK(decode_channel_number(hex("3f ff 00 00")).error().code == "malformed");
  CHECK(decode_channel_number(hex("50 00 00 00")).error().code == "malformed");
  CHECK(decode_channel_number(hex("40 00 00")).error().code == "malformed");
  CHECK(decode_channel_number(hex("40 00 00 00 00")).error().code == "malformed");

  Message m;
  CHECK(get_channel_number(m).error().code == "not_found");
  add_channel_number(m, 0x4abc);
  CHECK(get_channel_number(m).value() == 0x4abc);
  m.attributes[0].value = hex("00 01 00 00");
  auto bad = get_channel_number(m);
  CHECK(bad.error().code == "malformed");
  CHECK(bad.error().message.find("CHANNEL-NUMBER") != std::string::npos);
}

TEST_CASE("REQUESTED-TRANSPORT and address families", "[turn]") {
  CHECK(encode_requested_transport(kProtocolUdp) == hex("11 00 00 00"));
  CHECK(encode_requested_transport(kProtocolTcp) == hex("06 00 00 00"));
  CHECK(decode_requested_transport(hex("06 00 00 00")).value() == kProtocolTcp);
  CHECK_FALSE(decode_requested_transport(hex("06 00")).ok());

  CHECK(encode_address_family(AddressFamily::v6) == hex("02 00 00 00"));
  CHECK(decode_address_family(hex("01 00 00 00")).value() == AddressFamily::v4);
  CHECK(decode_address_family(hex("02 00 00 00")).value() == AddressFamily::v6);
  CHECK(decode_address_family(hex("03 00 00 00")).error().code == "malformed");
  CHECK(decode_address_family(hex("01")).error().code == "malformed");

  Message m;
  add_requested_transport(m, kProtocolTcp);
  add_address_family(m, attr::requested_address_family, AddressFamily::v6);
  add_address_family(m, attr::additional_address_family, AddressFamily::v6);
  CHECK(get_requested_transport(m).value() == kProtocolTcp);
  CHECK(get_address_family(m, attr::requested_address_family).value() == AddressFamily::v6);
  CHECK(get_address_family(m, attr::additional_address_family).value() == AddressFamily::v6);
}

TEST_CASE("EVEN-PORT, LIFETIME, CONNECTION-ID, RESERVATION-TOKEN, DONT-FRAGMENT, DATA", "[turn]") {
  CHECK(encode_even_port(true) == hex("80"));
  CHECK(encode_even_port(false) == hex("00"));
  CHECK(decode_even_port(hex("ff")).value());
  CHECK_FALSE(decode_even_port(hex("7f")).value());
  CHECK_FALSE(decode_even_port(hex("80 00")).ok());
  CHECK_FALSE(decode_even_port({}).ok());

  Message m;
  add_lifetime(m, 600);
  add_connection_id(m, 0xdeadbeef);
  add_reservation_token(m, 0x0102030405060708ull);
  add_dont_fragment(m);
  const std::vector<std::uint8_t> payload = {1, 2, 3, 4, 5};
  add_data(m, payload);
  add_even_port(m, true);
  CHECK(m.find(attr::lifetime)->value == hex("00 00 02 58"));
  CHECK(get_lifetime(m).value() == 600);
  CHECK(get_connection_id(m).value() == 0xdeadbeef);
  CHECK(get_reservation_token(m).value() == 0x0102030405060708ull);
  CHECK(m.find(attr::dont_fragment)->value.empty());
  auto data = get_data(m);
  REQUIRE(data.ok());
  CHECK(std::vector<std::uint8_t>(data->begin(), data->end()) == payload);
  CHECK(get_even_port(m).value());

  // Serialized and parsed back, every value survives (DATA with padding 5 -> 8).
  auto back = stun::parse(stun::serialize(m));
  REQUIRE(back.ok());
  CHECK(*back == m);

  Message empty;
  CHECK(get_lifetime(empty).error().code == "not_found");
  CHECK(get_data(empty).error().code == "not_found");
  empty.add(attr::lifetime, hex("00 02"));
  CHECK(get_lifetime(empty).error().code == "malformed");
}

TEST_CASE("ADDRESS-ERROR-CODE and ICMP", "[turn]") {
  AddressErrorCode e{AddressFamily::v6, 440, "Address Family not Supported"};
  auto bytes = encode_address_error_code(e);
  CHECK(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 4) == hex("02 00 04 28"));
  CHECK(decode_address_error_code(bytes).value() == e);
  CHECK(decode_address_error_code(hex("02 00 04")).error().code == "malformed");
  CHECK(decode_address_error_code(hex("07 00 04 28")).error().code == "malformed");  // family
  CHECK(decode_address_error_code(hex("01 00 07 00")).error().code == "malformed");  // class 7

  Icmp icmp{3, 4, 1400};
  CHECK(encode_icmp(icmp) == hex("00 00 03 04 00 00 05 78"));
  CHECK(decode_icmp(encode_icmp(icmp)).value() == icmp);
  CHECK_FALSE(decode_icmp(hex("00 00 03 04 00 00 05")).ok());
}

TEST_CASE("TURN attribute and method names", "[turn]") {
  CHECK(stun::attribute_name(attr::xor_relayed_address) == "XOR-RELAYED-ADDRESS");
  CHECK(stun::attribute_name(attr::connection_id) == "CONNECTION-ID");
  CHECK(stun::method_name(method::connection_attempt) == "ConnectionAttempt");
  CHECK(stun::method_name(method::channel_bind) == "ChannelBind");
  // Every attribute a client understands is known by name.
  for (std::uint16_t t : understood_attributes()) CHECK(stun::attribute_name(t).rfind("0x", 0) != 0);
}
