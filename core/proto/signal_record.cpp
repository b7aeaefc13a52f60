// Address record codec (the retained, signed peer address on MQTT).
#include "core/proto/signal_record.hpp"

#include <algorithm>

#include "core/proto/byte_reader.hpp"
#include "core/proto/byte_writer.hpp"

namespace p2pd::proto::signaling {

namespace {

Error malformed(std::string message) { return Error{"malformed", std::move(message)}; }

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

void write_unsigned(ByteWriter& w, const AddressRecord& r) {
  w.bytes(kRecordMagic);
  w.bytes(r.key);
  w.u64(r.timestamp_ms);
  w.u16(static_cast<std::uint16_t>(r.address.size()));
  w.bytes(std::span(reinterpret_cast<const std::uint8_t*>(r.address.data()), r.address.size()));
}

}  // namespace

std::vector<std::uint8_t> record_signed_bytes(const AddressRecord& r) {
  ByteWriter w;
  w.bytes(std::span(reinterpret_cast<const std::uint8_t*>(kRecordContext.data()), kRecordContext.size()));
  write_unsigned(w, r);
  return w.take();
}

std::vector<std::uint8_t> serialize_record(const AddressRecord& r) {
  if (r.address.empty() || r.address.size() > kMaxRecordAddress || !printable(r.address)) return {};
  ByteWriter w;
  write_unsigned(w, r);
  w.bytes(r.signature);
  return w.take();
}

Result<AddressRecord> parse_record(std::span<const std::uint8_t> bytes) {
  ByteReader r(bytes);
  std::span<const std::uint8_t> magic, key, address, sig;
  AddressRecord rec;
  std::uint16_t len = 0;
  if (!r.read_bytes(kRecordMagic.size(), magic) || !std::equal(magic.begin(), magic.end(), kRecordMagic.begin()))
    return malformed("not a p2pd address record");
  if (!r.read_bytes(32, key) || !r.read_u64(rec.timestamp_ms) || !r.read_u16(len))
    return malformed("address record truncated");
  if (len == 0 || len > kMaxRecordAddress) return malformed("address record: bad address length");
  if (!r.read_bytes(len, address) || !r.read_bytes(64, sig)) return malformed("address record truncated");
  if (!r.empty()) return malformed("bytes after the address record signature");
  std::copy(key.begin(), key.end(), rec.key.begin());
  rec.address.assign(address.begin(), address.end());
  if (!printable(rec.address)) return malformed("address record: address is not printable ASCII");
  std::copy(sig.begin(), sig.end(), rec.signature.begin());
  return rec;
}

}  // namespace p2pd::proto::signaling
