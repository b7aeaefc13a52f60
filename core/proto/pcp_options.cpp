#include "core/proto/pcp_options.hpp"

#include <algorithm>

namespace p2pd::proto::pcp {
namespace {

constexpr std::size_t padded(std::size_t n) { return (n + 3) & ~std::size_t{3}; }
constexpr std::size_t kThirdPartySize = 16;
constexpr std::size_t kFilterSize = 20;

Status check_known(const Option& option) {
  switch (static_cast<OptionCode>(option.code)) {
    case OptionCode::third_party:
      if (option.data.size() != kThirdPartySize) return make_error("malformed", "THIRD_PARTY option is not 16 bytes");
      return {};
    case OptionCode::prefer_failure:
      if (!option.data.empty()) return make_error("malformed", "PREFER_FAILURE option has data");
      return {};
    case OptionCode::filter: {
      auto f = decode_filter(option);
      if (!f) return f.error();
      return {};
    }
  }
  return {};
}

}  // namespace

Ip ipv4_mapped(const Ipv4& v4) {
  Ip ip{};
  ip[10] = 0xff;
  ip[11] = 0xff;
  std::copy(v4.begin(), v4.end(), ip.begin() + 12);
  return ip;
}

bool is_ipv4_mapped(const Ip& ip) {
  return std::all_of(ip.begin(), ip.begin() + 10, [](std::uint8_t b) { return b == 0; }) && ip[10] == 0xff &&
         ip[11] == 0xff;
}

Ipv4 ipv4_of(const Ip& mapped) { return {mapped[12], mapped[13], mapped[14], mapped[15]}; }

bool is_zero(const Ip& ip) {
  return std::all_of(ip.begin(), ip.end(), [](std::uint8_t b) { return b == 0; });
}

Option prefer_failure_option() { return Option{static_cast<std::uint8_t>(OptionCode::prefer_failure), {}}; }

Option third_party_option(const Ip& internal_address) {
  return Option{static_cast<std::uint8_t>(OptionCode::third_party), {internal_address.begin(), internal_address.end()}};
}

Option filter_option(const Filter& filter) {
  ByteWriter w;
  w.u8(0);
  w.u8(filter.prefix_length);
  w.u16(filter.remote_port);
  w.bytes(filter.remote_address);
  return Option{static_cast<std::uint8_t>(OptionCode::filter), w.take()};
}

Result<Ip> decode_third_party(const Option& option) {
  if (option.code != static_cast<std::uint8_t>(OptionCode::third_party) || option.data.size() != kThirdPartySize)
    return make_error("malformed", "not a 16-byte THIRD_PARTY option");
  Ip ip{};
  std::copy(option.data.begin(), option.data.end(), ip.begin());
  return ip;
}

Result<Filter> decode_filter(const Option& option) {
  if (option.code != static_cast<std::uint8_t>(OptionCode::filter) || option.data.size() != kFilterSize)
    return make_error("malformed", "not a 20-byte FILTER option");
  Filter f;
  f.prefix_length = option.data[1];
  f.remote_port = load_be16(option.data.data() + 2);
  std::copy(option.data.begin() + 4, option.data.end(), f.remote_address.begin());
  if (f.prefix_length > 128) return make_error("malformed", "FILTER prefix length over 128");
  // §13.3 (with erratum 3891): IPv4 prefixes are 96 + (1..32); 0 means "remove filters".
  if (f.prefix_length != 0 && is_ipv4_mapped(f.remote_address) && f.prefix_length <= 96)
    return make_error("malformed", "FILTER prefix length for an IPv4 address must be 97-128");
  return f;
}

Result<std::vector<Option>> read_options(ByteReader& reader) {
  std::vector<Option> options;
  while (!reader.empty()) {
    std::uint8_t code = 0, reserved = 0;
    std::uint16_t length = 0;
    if (!reader.read_u8(code) || !reader.read_u8(reserved) || !reader.read_u16(length))
      return make_error("malformed", "truncated PCP option header");
    std::span<const std::uint8_t> data;
    if (!reader.read_bytes(length, data)) return make_error("malformed", "PCP option longer than the message");
    if (!reader.skip(padded(length) - length)) return make_error("malformed", "PCP option padding missing");
    Option option{code, {data.begin(), data.end()}};
    if (auto ok = check_known(option); !ok) return ok.error();
    options.push_back(std::move(option));
  }
  return options;
}

bool write_options(ByteWriter& writer, std::span<const Option> options) {
  for (const Option& option : options) {
    if (option.data.size() > 0xFFFF) return false;
    writer.u8(option.code);
    writer.u8(0);
    writer.u16(static_cast<std::uint16_t>(option.data.size()));
    writer.bytes(option.data);
    writer.zeros(padded(option.data.size()) - option.data.size());
  }
  return true;
}

}  // namespace p2pd::proto::pcp
