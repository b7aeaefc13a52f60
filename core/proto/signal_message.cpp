// Signaling message plaintext and envelope codec.
#include "core/proto/signal_message.hpp"

#include <algorithm>

#include "core/proto/byte_reader.hpp"
#include "core/proto/byte_writer.hpp"

namespace p2pd::proto::signaling {

namespace {

Error malformed(std::string message) { return Error{"malformed", std::move(message)}; }

bool valid_kind(std::uint8_t k) { return k >= 1 && k <= 3; }

void write_unsigned(ByteWriter& w, const Message& m) {
  w.bytes(m.sender);
  w.bytes(m.recipient);
  w.u64(m.timestamp_ms);
  w.bytes(m.nonce);
  w.u8(static_cast<std::uint8_t>(m.kind));
  w.u64(m.id);
  w.u8(static_cast<std::uint8_t>(m.type.size()));
  w.bytes(std::span(reinterpret_cast<const std::uint8_t*>(m.type.data()), m.type.size()));
  w.u32(static_cast<std::uint32_t>(m.payload.size()));
  w.bytes(m.payload);
}

template <std::size_t N>
bool read_array(ByteReader& r, std::array<std::uint8_t, N>& out) {
  std::span<const std::uint8_t> s;
  if (!r.read_bytes(N, s)) return false;
  std::copy(s.begin(), s.end(), out.begin());
  return true;
}

}  // namespace

bool valid_type(std::string_view type) {
  if (type.empty() || type.size() > kMaxTypeSize) return false;
  return std::all_of(type.begin(), type.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::request: return "request";
    case Kind::response: return "response";
    case Kind::notice: return "notice";
  }
  return "unknown";
}

std::vector<std::uint8_t> signed_bytes(const Message& m) {
  ByteWriter w;
  w.bytes(std::span(reinterpret_cast<const std::uint8_t*>(kSignatureContext.data()), kSignatureContext.size()));
  write_unsigned(w, m);
  return w.take();
}

std::vector<std::uint8_t> serialize(const Message& m) {
  if (!valid_type(m.type) || m.payload.size() > kMaxPayload || !valid_kind(static_cast<std::uint8_t>(m.kind)))
    return {};
  ByteWriter w;
  write_unsigned(w, m);
  w.bytes(m.signature);
  return w.take();
}

Result<Message> parse(std::span<const std::uint8_t> plaintext) {
  if (plaintext.size() < kFixedSize + 1) return malformed("signal message too short");
  if (plaintext.size() > kMaxPlaintext) return malformed("signal message too long");
  ByteReader r(plaintext);
  Message m;
  std::uint8_t kind = 0, type_len = 0;
  std::uint32_t payload_len = 0;
  if (!read_array(r, m.sender) || !read_array(r, m.recipient) || !r.read_u64(m.timestamp_ms) ||
      !read_array(r, m.nonce) || !r.read_u8(kind) || !r.read_u64(m.id) || !r.read_u8(type_len))
    return malformed("signal message header truncated");
  if (!valid_kind(kind)) return malformed("unknown signal message kind " + std::to_string(kind));
  m.kind = static_cast<Kind>(kind);
  std::span<const std::uint8_t> type;
  if (!r.read_bytes(type_len, type)) return malformed("signal message type truncated");
  m.type.assign(type.begin(), type.end());
  if (!valid_type(m.type)) return malformed("bad signal message type");
  if (!r.read_u32(payload_len)) return malformed("signal message payload length truncated");
  if (payload_len > kMaxPayload) return malformed("signal message payload too long");
  std::span<const std::uint8_t> payload;
  if (!r.read_bytes(payload_len, payload)) return malformed("signal message payload truncated");
  m.payload.assign(payload.begin(), payload.end());
  if (!read_array(r, m.signature)) return malformed("signal message signature truncated");
  if (!r.empty()) return malformed("bytes after the signal message signature");
  return m;
}

std::vector<std::uint8_t> wrap(std::span<const std::uint8_t> sealed) {
  std::vector<std::uint8_t> out(kEnvelopeMagic.begin(), kEnvelopeMagic.end());
  out.insert(out.end(), sealed.begin(), sealed.end());
  return out;
}

Result<std::span<const std::uint8_t>> unwrap(std::span<const std::uint8_t> envelope) {
  if (envelope.size() < kEnvelopeMagic.size()) return malformed("signal envelope too short");
  if (!std::equal(kEnvelopeMagic.begin(), kEnvelopeMagic.begin() + 3, envelope.begin()))
    return malformed("not a p2pd signal envelope");
  if (envelope[3] != kEnvelopeMagic[3])
    return malformed("signal envelope version " + std::to_string(envelope[3]) + " is not supported");
  return envelope.subspan(kEnvelopeMagic.size());
}

}  // namespace p2pd::proto::signaling
