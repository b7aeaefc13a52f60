// Messages captured from coturn 4.6.1 in the NAT lab (realm lab.p2pd, user p2pd,
// password p2pdpass, REQUESTED-TRANSPORT UDP, LIFETIME 600), the second allocation with
// REQUESTED-ADDRESS-FAMILY IPv6 (RFC 6156). Our codec must read what a real server sends,
// and check its MESSAGE-INTEGRITY with the long-term key.
#include <catch2/catch.hpp>

#include "core/proto/stun_integrity.hpp"
#include "core/proto/turn_messages.hpp"
#include "test_stun_util.hpp"

using namespace p2pd::proto;
using namespace p2pd::proto::turn;
using p2pd::proto::stun::testing::hex;

namespace {

const std::vector<std::uint8_t> k401 = hex(R"(01 13 00 54 21 12 a4 42 58 10 64 3a 4e 1c 59 5a 51 de ab 48 00 09 00 10
                            00 00 04 01 55 6e 61 75 74 68 6f 72 69 7a 65 64 00 15 00 10 61 34 36 62
                            66 61 33 34 63 37 30 61 65 31 61 30 00 14 00 08 6c 61 62 2e 70 32 70 64
                            80 22 00 14 43 6f 74 75 72 6e 2d 34 2e 36 2e 31 20 27 47 6f 72 73 74 27
                            80 28 00 04 92 ca 7f e9)");
const std::vector<std::uint8_t> kAllocateV4 = hex(R"(01 03 00 58 21 12 a4 42 f8 95 6a eb 07 de c7 82 d1 00 b9 5d 00 16 00 08
                            00 01 d3 3d e7 21 c0 56 00 20 00 08 00 01 f3 56 ea 12 d5 49 00 0d 00 04
                            00 00 02 58 80 22 00 14 43 6f 74 75 72 6e 2d 34 2e 36 2e 31 20 27 47 6f
                            72 73 74 27 00 08 00 14 e7 58 4f 9b fc 79 62 3f 07 d0 2c 61 37 58 52 d7
                            00 10 63 30 80 28 00 04 0e c8 29 e0)");
const std::vector<std::uint8_t> kPermission = hex(R"(01 08 00 38 21 12 a4 42 16 7f 42 98 8c 6d b9 1a 96 a0 f9 cd 80 22 00 14
                            43 6f 74 75 72 6e 2d 34 2e 36 2e 31 20 27 47 6f 72 73 74 27 00 08 00 14
                            b1 21 84 3c 60 31 fc af a0 45 e6 4d c5 1c 38 c4 15 03 2b 72 80 28 00 04
                            2b 43 92 09)");
const std::vector<std::uint8_t> kChannelBind = hex(R"(01 09 00 38 21 12 a4 42 4e a3 8d 1a f9 74 b5 52 a9 89 f0 e2 80 22 00 14
                            43 6f 74 75 72 6e 2d 34 2e 36 2e 31 20 27 47 6f 72 73 74 27 00 08 00 14
                            db 21 2c 83 b8 31 81 ad 93 ba d8 19 83 ca ce 1c e7 db 52 3b 80 28 00 04
                            b3 e8 a3 61)");
const std::vector<std::uint8_t> kRefresh = hex(R"(01 04 00 40 21 12 a4 42 f7 80 e3 33 08 61 16 28 1c f7 ca 4a 00 0d 00 04
                            00 00 00 00 80 22 00 14 43 6f 74 75 72 6e 2d 34 2e 36 2e 31 20 27 47 6f
                            72 73 74 27 00 08 00 14 89 dd 0d 38 c9 60 c0 24 60 b6 ed bd 11 06 d6 a6
                            28 f5 41 9b 80 28 00 04 5c a7 76 68)");
const std::vector<std::uint8_t> kAllocateV6 = hex(R"(01 03 00 64 21 12 a4 42 ab 7f 8f 92 66 75 21 76 eb f6 fd 7b 00 16 00 14
                            00 02 de 2e 01 13 a9 fa aa 7f 8f 92 66 75 21 76 eb f6 fd 5b 00 20 00 08
                            00 01 b3 e1 ea 12 d5 49 00 0d 00 04 00 00 02 58 80 22 00 14 43 6f 74 75
                            72 6e 2d 34 2e 36 2e 31 20 27 47 6f 72 73 74 27 00 08 00 14 d2 58 eb 4a
                            5b e0 c9 b9 33 e4 96 21 ba 13 cb ab 59 f0 fb c1 80 28 00 04 e2 ad 65 a7)");

std::vector<std::uint8_t> lab_key() { return stun::long_term_key("p2pd", "lab.p2pd", "p2pdpass").value(); }

}  // namespace

TEST_CASE("coturn 401 challenge: realm and nonce, no integrity", "[turn][coturn]") {
  auto m = stun::parse(k401);  // FINGERPRINT checked by parse
  REQUIRE(m.ok());
  CHECK(m->method == method::allocate);
  CHECK(m->message_class == stun::MessageClass::error_response);
  auto e = read_error_reply(*m);
  REQUIRE(e.ok());
  CHECK(e->error.code == 401);
  CHECK(e->realm == "lab.p2pd");
  CHECK(e->nonce == "a46bfa34c70ae1a0");
  CHECK(stun::verify_integrity(k401, lab_key()).error().code == "integrity_missing");
}

TEST_CASE("coturn Allocate success over IPv4 and IPv6", "[turn][coturn]") {
  auto v4 = stun::parse(kAllocateV4);
  REQUIRE(v4.ok());
  CHECK(stun::verify_integrity(kAllocateV4, lab_key()).ok());
  auto a = read_allocate_success(*v4);
  REQUIRE(a.ok());
  CHECK(a->relayed == std::vector<Address>{Address::v4({198, 51, 100, 20}, 61999)});
  CHECK(a->mapped == Address::v4({203, 0, 113, 11}, 53828));
  CHECK(a->lifetime == 600);

  auto v6 = stun::parse(kAllocateV6);
  REQUIRE(v6.ok());
  CHECK(stun::verify_integrity(kAllocateV6, lab_key()).ok());
  auto b = read_allocate_success(*v6);
  REQUIRE(b.ok());
  CHECK(b->relayed == std::vector<Address>{Address::v6({0x20, 0x01, 0x0d, 0xb8, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20}, 65340)});
  CHECK(b->mapped == Address::v4({203, 0, 113, 11}, 37619));

  // A wrong password gives another key, and the answer does not verify.
  auto wrong = stun::long_term_key("p2pd", "lab.p2pd", "p2pdpasS").value();
  CHECK(stun::verify_integrity(kAllocateV4, wrong).error().code == "integrity_mismatch");
}

TEST_CASE("coturn CreatePermission, ChannelBind and Refresh successes", "[turn][coturn]") {
  for (const auto* bytes : {&kPermission, &kChannelBind, &kRefresh}) {
    auto m = stun::parse(*bytes);
    REQUIRE(m.ok());
    CHECK(m->message_class == stun::MessageClass::success_response);
    CHECK(stun::verify_integrity(*bytes, lab_key()).ok());
  }
  CHECK(stun::parse(kPermission)->method == method::create_permission);
  CHECK(stun::parse(kChannelBind)->method == method::channel_bind);
  auto refresh = stun::parse(kRefresh);
  CHECK(refresh->method == method::refresh);
  CHECK(get_lifetime(*refresh).value() == 0);
}
