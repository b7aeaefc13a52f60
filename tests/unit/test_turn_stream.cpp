// TURN over streams: the frame reader cuts a control stream however it is split, and
// the ConnectionBind handshake of RFC 6062 data connections hands over the bytes that
// follow its response.
#include <catch2/catch.hpp>

#include "core/traverse/turn_connection_bind.hpp"
#include "core/traverse/turn_frame_reader.hpp"
#include "test_turn_fake_server.hpp"

using namespace p2pd;
using namespace p2pd::traverse::turn;
using namespace p2pd::traverse::turn::testing;

TEST_CASE("TURN frame reader: STUN and ChannelData frames split anywhere", "[turn][stream]") {
  std::vector<std::uint8_t> stream;
  std::vector<std::vector<std::uint8_t>> frames;
  for (int i = 0; i < 5; ++i) {
    auto cd = tp::serialize_channel_data(0x4000 + i, std::vector<std::uint8_t>(i * 3, 'x'), tp::Padding::to_four);
    auto st = stun::serialize(tp::make_refresh({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, static_cast<std::uint8_t>(i)}, 600));
    for (auto* f : {&cd, &st}) {
      frames.push_back(*f);
      stream.insert(stream.end(), f->begin(), f->end());
    }
  }
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{64}, stream.size()}) {
    FrameReader reader;
    std::vector<std::vector<std::uint8_t>> got;
    for (std::size_t pos = 0; pos < stream.size(); pos += chunk) {
      auto piece = std::span(stream).subspan(pos, std::min(chunk, stream.size() - pos));
      REQUIRE(reader.feed(piece, [&](std::span<const std::uint8_t> f) { got.emplace_back(f.begin(), f.end()); }).ok());
    }
    INFO("chunk " << chunk);
    CHECK(got == frames);
    CHECK(reader.pending().empty());
  }
  FrameReader bad;
  CHECK(bad.feed(std::vector<std::uint8_t>{0x40, 0, 0, 1, 'a'}, [](auto) {}).ok());
  CHECK(bad.pending().size() == 5);
  CHECK(bad.feed(std::vector<std::uint8_t>{0, 0, 0, 0xC0}, [](auto) {}).error().code == "malformed");
  FrameReader garbage;
  CHECK(garbage.feed(std::vector<std::uint8_t>{0xff}, [](auto) {}).error().code == "malformed");
}

TEST_CASE("TURN ConnectionBind: signed request, peer bytes after the response", "[turn][stream]") {
  tp::LongTermCredentials creds{kUser, kRealm, "nonce-9", server_key()};
  ConnectionBinder binder(0x1234, creds);
  auto req = stun::parse(binder.request()).value();
  CHECK(req.method == tp::method::connection_bind);
  CHECK(tp::get_connection_id(req).value() == 0x1234);
  CHECK(stun::get_nonce(req).value() == "nonce-9");
  CHECK(stun::verify_integrity(binder.request(), server_key()).ok());

  auto ok = ok_answer(req);
  std::vector<std::uint8_t> wire = ok;
  wire.insert(wire.end(), {'p', 'e', 'e', 'r'});
  CHECK(binder.feed(std::span(wire).first(10)) == ConnectionBinder::State::waiting);
  CHECK(binder.feed(std::span(wire).subspan(10)) == ConnectionBinder::State::bound);
  CHECK(binder.peer_bytes() == std::vector<std::uint8_t>{'p', 'e', 'e', 'r'});

  ConnectionBinder stale(1, creds);
  CHECK(stale.feed(error_answer(stun::parse(stale.request()).value(), 438, "nonce-10")) ==
        ConnectionBinder::State::failed);
  CHECK(stale.error_response_code() == 438);
  CHECK(stale.new_nonce() == "nonce-10");

  ConnectionBinder forged(1, creds);
  CHECK(forged.feed(answer(stun::parse(forged.request()).value(), stun::MessageClass::success_response, {}, false)) ==
        ConnectionBinder::State::failed);
  CHECK(forged.error()->code == "bad_answer");

  ConnectionBinder junk(1, creds);
  CHECK(junk.feed(std::vector<std::uint8_t>{'H', 'T', 'T', 'P', '/'}) == ConnectionBinder::State::failed);
  ConnectionBinder other(1, creds);
  CHECK(other.feed(ok_answer(req)) == ConnectionBinder::State::failed);  // another transaction's answer
}
