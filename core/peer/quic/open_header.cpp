#include "core/peer/quic/open_header.hpp"

#include <algorithm>

namespace p2pd::peer::quic {

std::vector<std::uint8_t> encode_open_header(std::string_view name) {
  name = name.substr(0, kMaxOpenHeaderName);
  std::vector<std::uint8_t> out;
  out.reserve(2 + name.size());
  out.push_back(static_cast<std::uint8_t>(name.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(name.size() & 0xff));
  out.insert(out.end(), name.begin(), name.end());
  return out;
}

Result<std::optional<std::string>> parse_open_header(std::span<const std::uint8_t> bytes, std::size_t& used) {
  used = 0;
  if (bytes.size() < 2) return std::optional<std::string>{};
  std::size_t len = (std::size_t{bytes[0]} << 8) | bytes[1];
  if (len > kMaxOpenHeaderName) return Error{"malformed", "stream open header name too long"};
  if (bytes.size() < 2 + len) return std::optional<std::string>{};
  used = 2 + len;
  return std::optional<std::string>{std::string(bytes.begin() + 2, bytes.begin() + 2 + static_cast<std::ptrdiff_t>(len))};
}

Result<std::optional<std::string>> read_open_header(Stream& stream) {
  std::vector<std::uint8_t> head(std::min(stream.readable(), 2 + kMaxOpenHeaderName));
  head.resize(stream.copy(head));
  std::size_t used = 0;
  auto parsed = parse_open_header(head, used);
  if (!parsed) return parsed.error();
  if (!parsed->has_value()) {
    if (stream.fin_received()) return Error{"malformed", "stream ended inside its open header"};
    return parsed;
  }
  stream.consume(used);
  return parsed;
}

}  // namespace p2pd::peer::quic
