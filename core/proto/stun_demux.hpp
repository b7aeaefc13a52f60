#pragma once
// Cheap tests for telling STUN apart from other traffic on a shared socket (RFC 7983,
// RFC 9443): nothing is parsed, only the header is looked at.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace p2pd::proto::stun {

// A datagram that is plausibly one whole STUN message: at least a header, first two
// bits zero, the magic cookie, a length that is a multiple of 4 and matches the
// datagram. With `allow_classic` the cookie is not required (RFC 3489 servers).
bool looks_like_stun(std::span<const std::uint8_t> datagram, bool allow_classic = false);

enum class PacketKind {
  stun,          // looks_like_stun()
  channel_data,  // first byte 0x40-0x7F and at least the 4-byte ChannelData header
  other,
};

// By the first byte and the header. Note that QUIC short-header packets also start with
// 0x40-0x7F (RFC 9443): on a socket that carries both QUIC and TURN ChannelData, only
// the sender (the TURN server's address) tells them apart.
PacketKind classify_packet(std::span<const std::uint8_t> datagram);

// For STUN over a stream: the whole size of the message whose first bytes are `prefix`
// (20 + its length field), or nullopt if fewer than 4 bytes have arrived or they cannot
// start a STUN message (top bits set, length not a multiple of 4).
std::optional<std::size_t> stun_frame_size(std::span<const std::uint8_t> prefix);

}  // namespace p2pd::proto::stun
