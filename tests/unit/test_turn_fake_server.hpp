#pragma once
// A hand-driven clock, a link that records what the client sends, and helpers that
// answer those requests the way a TURN server does, for the TURN client tests.
#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/proto/stun_attributes.hpp"
#include "core/proto/stun_integrity.hpp"
#include "core/proto/turn_channel_data.hpp"
#include "core/proto/turn_messages.hpp"
#include "core/traverse/turn_link.hpp"

namespace p2pd::traverse::turn::testing {

namespace stun = proto::stun;
namespace tp = proto::turn;
using proto::stun::Address;

inline constexpr const char* kUser = "alice";
inline constexpr const char* kPass = "secret-pw";
inline constexpr const char* kRealm = "lab.p2pd";

class FakeClock final : public Clock {
 public:
  std::uint64_t now_ms() const override { return now; }
  std::uint64_t now = 1'000'000;
};

class FakeLink final : public ServerLink {
 public:
  explicit FakeLink(bool stream = false) : stream_(stream) {}
  Status send_frame(std::span<const std::uint8_t> frame) override {
    sent.emplace_back(frame.begin(), frame.end());
    return {};
  }
  bool is_stream() const override { return stream_; }

  std::vector<std::vector<std::uint8_t>> sent;

 private:
  bool stream_;
};

inline std::vector<std::uint8_t> server_key() { return stun::long_term_key(kUser, kRealm, kPass).value(); }

inline const Address kRelayed = Address::v4({198, 51, 100, 20}, 50000);
inline const Address kMapped = Address::v4({203, 0, 113, 11}, 40000);
inline const Address kPeer = Address::v4({192, 0, 2, 2}, 7000);
inline const Address kPeer2 = Address::v4({192, 0, 2, 3}, 7001);

// A response to `request` of class `cls`, filled by `fill`, signed with the long-term key
// unless `sign` is false.
inline std::vector<std::uint8_t> answer(const stun::Message& request, stun::MessageClass cls,
                                        const std::function<void(stun::Message&)>& fill = {}, bool sign = true) {
  stun::Message r;
  r.message_class = cls;
  r.method = request.method;
  r.transaction_id = request.transaction_id;
  if (fill) fill(r);
  stun::SerializeOptions options;
  if (sign) options.integrity_key = server_key();
  options.fingerprint = true;
  return stun::serialize(r, options);
}

inline std::vector<std::uint8_t> error_answer(const stun::Message& request, std::uint16_t code,
                                              const char* nonce = nullptr, bool sign = false) {
  return answer(
      request, stun::MessageClass::error_response,
      [&](stun::Message& r) {
        stun::add_error_code(r, {code, std::string(tp::error_code_name(code))});
        if (nonce) {
          stun::add_text(r, stun::attr::nonce, nonce);
          stun::add_text(r, stun::attr::realm, kRealm);
        }
      },
      sign);
}

inline std::vector<std::uint8_t> allocate_success(const stun::Message& request, std::uint32_t lifetime,
                                                  const Address& relayed = kRelayed) {
  return answer(request, stun::MessageClass::success_response, [&](stun::Message& r) {
    stun::add_xor_address(r, tp::attr::xor_relayed_address, relayed);
    stun::add_xor_address(r, stun::attr::xor_mapped_address, kMapped);
    tp::add_lifetime(r, lifetime);
  });
}

inline std::vector<std::uint8_t> ok_answer(const stun::Message& request,
                                           const std::function<void(stun::Message&)>& fill = {}) {
  return answer(request, stun::MessageClass::success_response, fill);
}

// Every STUN message the link carried, parsed (ChannelData frames are skipped).
inline std::vector<stun::Message> stun_sent(const FakeLink& link) {
  std::vector<stun::Message> out;
  for (const auto& f : link.sent)
    if (!f.empty() && (f[0] & 0xC0) == 0) out.push_back(stun::parse(f).value());
  return out;
}

inline std::vector<stun::Message> requests_of(const FakeLink& link, stun::Method method) {
  std::vector<stun::Message> out;
  for (auto& m : stun_sent(link))
    if (m.method == method && m.message_class == stun::MessageClass::request) out.push_back(m);
  return out;
}

}  // namespace p2pd::traverse::turn::testing
