// Sealing and opening signaling messages (core/signal/sealer), their codec
// (core/proto/signal_message) and the replay guard: wrong keys, replays, truncation, bit
// flips, forged senders, stale and future timestamps.
#include <sodium.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/proto/signal_message.hpp"
#include "core/proto/signal_record.hpp"
#include "core/signal/replay_guard.hpp"
#include "core/signal/sealer.hpp"

using namespace p2pd;
using namespace p2pd::signaling;
namespace ps = p2pd::proto::signaling;

namespace {

KeyPair keys_of(std::uint8_t b) {
  REQUIRE(sodium_init() >= 0);
  std::array<std::uint8_t, crypto_sign_SEEDBYTES> seed{};
  seed.fill(b);
  return KeyPair::from_seed(seed);
}

Message message_to(const KeyPair& to, std::uint64_t ts = 1'000'000, std::uint8_t nonce = 7) {
  Message m;
  m.recipient = to.public_key;
  m.timestamp_ms = ts;
  m.nonce.fill(nonce);
  m.kind = ps::Kind::request;
  m.id = 42;
  m.type = "ping";
  m.payload = {1, 2, 3, 4, 5};
  return m;
}

std::vector<std::uint8_t> sealed(const Message& m, const KeyPair& from) {
  auto s = seal(m, from);
  REQUIRE(s.ok());
  return *s;
}

std::string open_error(std::span<const std::uint8_t> envelope, const KeyPair& to) {
  auto r = open(envelope, to);
  REQUIRE_FALSE(r.ok());
  return r.error().code;
}

}  // namespace

TEST_CASE("signal sealer: a sealed message opens for its recipient only", "[signal]") {
  const KeyPair alice = keys_of(1), bob = keys_of(2), eve = keys_of(3);
  auto env = sealed(message_to(bob), alice);
  auto opened = open(env, bob);
  REQUIRE(opened.ok());
  CHECK(opened->sender == alice.public_key);
  CHECK(opened->recipient == bob.public_key);
  CHECK(opened->type == "ping");
  CHECK(opened->id == 42);
  CHECK(opened->kind == ps::Kind::request);
  CHECK(opened->payload == std::vector<std::uint8_t>{1, 2, 3, 4, 5});
  // A third key can neither read it nor pass it off as sealed to itself.
  CHECK(open_error(env, eve) == "undecryptable");
  CHECK(open_error(env, alice) == "undecryptable");
  // The same message sealed twice gives different bytes (ephemeral sender key).
  CHECK(sealed(message_to(bob), alice) != env);
}

TEST_CASE("signal sealer: every bit flip and every truncation is refused", "[signal]") {
  const KeyPair alice = keys_of(1), bob = keys_of(2);
  const auto env = sealed(message_to(bob), alice);
  for (std::size_t i = 0; i < env.size(); ++i) {
    for (int bit : {0, 7}) {
      auto flipped = env;
      flipped[i] ^= static_cast<std::uint8_t>(1u << bit);
      auto r = open(flipped, bob);
      INFO("byte " << i << " bit " << bit);
      REQUIRE_FALSE(r.ok());
      CHECK((r.error().code == "undecryptable" || r.error().code == "malformed"));
    }
  }
  for (std::size_t len = 0; len < env.size(); ++len) {
    INFO("length " << len);
    auto r = open(std::span<const std::uint8_t>(env.data(), len), bob);
    REQUIRE_FALSE(r.ok());
    CHECK((r.error().code == "undecryptable" || r.error().code == "malformed"));
  }
  auto longer = env;
  longer.push_back(0);
  CHECK_FALSE(open(longer, bob).ok());
  CHECK(open_error({}, bob) == "malformed");
}

TEST_CASE("signal sealer: a forged sender or a re-addressed message is refused", "[signal]") {
  const KeyPair alice = keys_of(1), bob = keys_of(2), eve = keys_of(3), carol = keys_of(4);
  // Eve signs with her key but claims to be Alice: she seals a plaintext by hand.
  Message forged = message_to(bob);
  forged.sender = alice.public_key;
  forged.signature = sign_bytes(ps::signed_bytes(forged), eve);
  auto plain = ps::serialize(forged);
  REQUIRE_FALSE(plain.empty());
  std::array<std::uint8_t, crypto_box_PUBLICKEYBYTES> bob_x{};
  REQUIRE(crypto_sign_ed25519_pk_to_curve25519(bob_x.data(), bob.public_key.data()) == 0);
  std::vector<std::uint8_t> box(plain.size() + crypto_box_SEALBYTES);
  REQUIRE(crypto_box_seal(box.data(), plain.data(), plain.size(), bob_x.data()) == 0);
  CHECK(open_error(ps::wrap(box), bob) == "bad_signature");

  // Bob re-seals what Alice sent him to Carol: Carol sees it names Bob as recipient.
  auto opened = open(sealed(message_to(bob), alice), bob);
  REQUIRE(opened.ok());
  auto again = ps::serialize(*opened);
  std::array<std::uint8_t, crypto_box_PUBLICKEYBYTES> carol_x{};
  REQUIRE(crypto_sign_ed25519_pk_to_curve25519(carol_x.data(), carol.public_key.data()) == 0);
  std::vector<std::uint8_t> rebox(again.size() + crypto_box_SEALBYTES);
  REQUIRE(crypto_box_seal(rebox.data(), again.data(), again.size(), carol_x.data()) == 0);
  CHECK(open_error(ps::wrap(rebox), carol) == "wrong_recipient");

  // Changing any signed field after signing breaks the signature.
  Message changed = *opened;
  changed.payload.push_back(9);
  auto changed_plain = ps::serialize(changed);
  std::vector<std::uint8_t> cbox(changed_plain.size() + crypto_box_SEALBYTES);
  REQUIRE(crypto_box_seal(cbox.data(), changed_plain.data(), changed_plain.size(), bob_x.data()) == 0);
  CHECK(open_error(ps::wrap(cbox), bob) == "bad_signature");
}

TEST_CASE("signal sealer: bounds of type and payload", "[signal]") {
  const KeyPair alice = keys_of(1), bob = keys_of(2);
  Message m = message_to(bob);
  m.payload.assign(ps::kMaxPayload, 0xab);
  auto env = sealed(m, alice);
  auto opened = open(env, bob);
  REQUIRE(opened.ok());
  CHECK(opened->payload.size() == ps::kMaxPayload);
  m.payload.push_back(0);
  CHECK(seal(m, alice).error().code == "bad_request");
  m.payload.clear();
  m.type = "Not-Lowercase";
  CHECK(seal(m, alice).error().code == "bad_request");
  m.type = std::string(ps::kMaxTypeSize + 1, 'a');
  CHECK(seal(m, alice).error().code == "bad_request");
  m.type = "";
  CHECK(seal(m, alice).error().code == "bad_request");
  CHECK_FALSE(ps::valid_type("a b"));
  CHECK(ps::valid_type("connect.v1_x-2"));
}

TEST_CASE("signal codec: parse is strict and round-trips", "[signal]") {
  Message m = message_to(keys_of(2));
  m.sender = keys_of(1).public_key;
  m.signature.fill(0x55);
  auto bytes = ps::serialize(m);
  auto back = ps::parse(bytes);
  REQUIRE(back.ok());
  CHECK(*back == m);
  for (std::size_t len = 0; len < bytes.size(); ++len)
    CHECK(ps::parse(std::span<const std::uint8_t>(bytes.data(), len)).error().code == "malformed");
  auto extra = bytes;
  extra.push_back(0);
  CHECK(ps::parse(extra).error().message.find("after") != std::string::npos);
  auto bad_kind = bytes;
  bad_kind[32 + 32 + 8 + 16] = 9;
  CHECK(ps::parse(bad_kind).error().message.find("kind") != std::string::npos);
  CHECK(ps::unwrap(std::vector<std::uint8_t>{'P', '2', 'S', 0x02, 1}).error().code == "malformed");
}

TEST_CASE("signal address record: signed, strict, tamper-evident", "[signal]") {
  const KeyPair alice = keys_of(1), eve = keys_of(3);
  ps::AddressRecord rec;
  rec.key = alice.public_key;
  rec.timestamp_ms = 123456;
  rec.address = "p2pd1_example";
  rec.signature = sign_bytes(ps::record_signed_bytes(rec), alice);
  auto bytes = ps::serialize_record(rec);
  REQUIRE_FALSE(bytes.empty());
  auto back = ps::parse_record(bytes);
  REQUIRE(back.ok());
  CHECK(*back == rec);
  CHECK(verify_bytes(ps::record_signed_bytes(*back), back->signature, alice.public_key));
  CHECK_FALSE(verify_bytes(ps::record_signed_bytes(*back), back->signature, eve.public_key));
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto flipped = bytes;
    flipped[i] ^= 0x01;
    auto r = ps::parse_record(flipped);
    if (r.ok()) CHECK_FALSE(verify_bytes(ps::record_signed_bytes(*r), r->signature, alice.public_key));
  }
  for (std::size_t len = 0; len < bytes.size(); ++len)
    CHECK_FALSE(ps::parse_record(std::span<const std::uint8_t>(bytes.data(), len)).ok());
  rec.address = "bad\naddress";
  CHECK(ps::serialize_record(rec).empty());
}

TEST_CASE("replay guard: once, within the window, duplicates across brokers", "[signal]") {
  ReplayGuard guard(1000, 4);
  Message m = message_to(keys_of(2), 10'000);
  m.sender = keys_of(1).public_key;
  CHECK(guard.check(m, 10'000) == Verdict::fresh);
  CHECK(guard.check(m, 10'001) == Verdict::duplicate);  // the same message via another broker
  Message other = m;
  other.nonce.fill(8);
  CHECK(guard.check(other, 10'002) == Verdict::fresh);
  Message from_carol = m;
  from_carol.sender = keys_of(4).public_key;
  CHECK(guard.check(from_carol, 10'002) == Verdict::fresh);  // nonces are per sender

  Message old = m;
  old.nonce.fill(9);
  old.timestamp_ms = 8'000;
  CHECK(guard.check(old, 10'000) == Verdict::stale);
  old.timestamp_ms = 12'000;
  CHECK(guard.check(old, 10'000) == Verdict::future);

  // Outside the window the replay is stale, not fresh again.
  CHECK(guard.check(m, 11'500) == Verdict::stale);

  // A full table evicts the oldest and refuses anything at or below it from then on.
  ReplayGuard small(100'000, 2);
  Message a = m, b = m, c = m;
  a.nonce.fill(1);
  a.timestamp_ms = 1'000;
  b.nonce.fill(2);
  b.timestamp_ms = 2'000;
  c.nonce.fill(3);
  c.timestamp_ms = 3'000;
  CHECK(small.check(a, 3'000) == Verdict::fresh);
  CHECK(small.check(b, 3'000) == Verdict::fresh);
  CHECK(small.check(c, 3'000) == Verdict::fresh);  // evicts a
  CHECK(small.size() == 2);
  CHECK(small.check(a, 3'000) == Verdict::stale);  // never accepted twice
  CHECK(verdict_name(Verdict::duplicate) == "duplicate");
}
