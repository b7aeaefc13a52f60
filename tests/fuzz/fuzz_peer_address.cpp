// fuzz_peer_address: the peer address codec (core/proto/peer_address*). For any input:
//  - parse and looks_like_address return without crashing; what parses looks like an
//    address, validates, and is spelled canonically: serialize gives the input back;
//  - the parsed value survives serialize -> parse unchanged;
//  - key_from_text of the input's key part, when it parses, round-trips through key_to_text;
//  - the names of every NAT, delta and family value it carries parse back to that value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/proto/peer_address.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace p2pd::proto::peer;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool looks = looks_like_address(text);

  if (size >= kKeyTextSize) {
    if (auto key = key_from_text(text.substr(0, kKeyTextSize))) FUZZ_CHECK(key_to_text(*key) == text.substr(0, kKeyTextSize));
  }

  auto address = parse(text);
  if (!address) {
    FUZZ_CHECK(!address.error().message.empty());
    return 0;
  }
  FUZZ_CHECK(looks);
  FUZZ_CHECK(validate(*address).ok());
  const std::string canonical = serialize(*address);
  FUZZ_CHECK(canonical == text);
  auto back = parse(canonical);
  FUZZ_CHECK(back.ok() && *back == *address);
  FUZZ_CHECK(key_to_text(address->key).size() == kKeyTextSize);
  for (const Group& g : address->groups) {
    FUZZ_CHECK(nat_type_from_name(nat_type_name(g.nat)).value() == g.nat);
    if (g.delta) FUZZ_CHECK(delta_type_from_name(delta_type_name(g.delta->type)).value() == g.delta->type);
    FUZZ_CHECK(!family_name(g.family).empty());
    for (const Ip& ip : g.nics) FUZZ_CHECK(Ip::parse(ip.to_string()).value() == ip);
  }
  for (const Channel& c : address->signaling) FUZZ_CHECK(!c.broker().empty());
  return 0;
}
