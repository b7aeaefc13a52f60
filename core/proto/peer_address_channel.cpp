// Signaling channels in peer addresses, and the small lexical helpers of the grammar.
#include <arpa/inet.h>

#include "core/proto/peer_address_detail.hpp"

namespace p2pd::proto::peer {

namespace detail {

Result<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max, std::string_view what) {
  if (text.empty()) return bad(std::string(what) + " is empty");
  if (text.size() > 1 && text[0] == '0') return bad(std::string(what) + " \"" + std::string(text) + "\" has a leading zero");
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return bad(std::string(what) + " \"" + std::string(text) + "\" is not a number");
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
    if (v > max) return bad(std::string(what) + " \"" + std::string(text) + "\" is over " + std::to_string(max));
  }
  return v;
}

Result<std::uint16_t> parse_port(std::string_view text, std::string_view what) {
  auto v = parse_decimal(text, 65535, what);
  if (!v) return v.error();
  if (*v == 0) return bad(std::string(what) + " must be 1-65535, not 0");
  return static_cast<std::uint16_t>(*v);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    std::size_t pos = text.find(separator, start);
    if (pos == std::string_view::npos) {
      out.push_back(text.substr(start));
      return out;
    }
    out.push_back(text.substr(start, pos - start));
    start = pos + 1;
  }
}

Status check_host(std::string_view host) {
  if (host.empty()) return bad("a broker host is empty");
  if (host.find(':') != std::string_view::npos) {
    auto ip = Ip::parse(host);
    if (!ip || ip->family != Family::v6) return bad("broker host \"" + std::string(host) + "\": " + (ip ? "" : ip.error().message));
    return {};
  }
  if (host.size() > 253) return bad("broker host is longer than 253 characters");
  bool numeric = true;
  for (auto label : split(host, '.')) {
    if (label.empty() || label.size() > 63) return bad("broker host \"" + std::string(host) + "\" has an empty or too long label");
    if (label.front() == '-' || label.back() == '-')
      return bad("broker host \"" + std::string(host) + "\": a label cannot start or end with '-'");
    bool all_digits = true;
    for (char c : label) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return bad("broker host \"" + std::string(host) + "\" may hold only a-z, 0-9, '-' and '.'");
      if (c < '0' || c > '9') all_digits = false;
    }
    numeric = all_digits;  // the last label decides: names never end in a number
  }
  if (numeric) {
    auto ip = Ip::parse(host);
    if (!ip) return bad("broker host \"" + std::string(host) + "\": " + ip.error().message);
  }
  return {};
}

Result<Channel> parse_channel(std::string_view token) {
  if (token.size() < 2 || token[0] != 'm')
    return bad("signaling channel \"" + std::string(token) + "\" must start with 'm' (MQTT)");
  std::string_view rest = token.substr(1);
  Channel ch;
  if (rest.find(':') == std::string_view::npos) {
    auto index = parse_decimal(rest, 255, "public broker index");
    if (!index) return index.error();
    if (*index >= public_brokers().size())
      return bad("public broker index " + std::string(rest) + " is unknown (0-" +
                 std::to_string(public_brokers().size() - 1) + " exist)");
    ch.public_index = static_cast<std::uint8_t>(*index);
    return ch;
  }
  std::size_t colon = rest.rfind(':');
  auto port = parse_port(rest.substr(colon + 1), "broker port");
  if (!port) return port.error();
  std::string_view host = rest.substr(0, colon);
  if (auto st = check_host(host); !st) return st.error();
  ch.host = std::string(host);
  ch.port = *port;
  // The public list's brokers have one spelling: their index.
  if (auto c = channel_for_broker(ch.host, ch.port); c && c->public_index)
    return bad("broker " + ch.broker() + " is public broker " + std::to_string(*c->public_index) + ": write m" +
               std::to_string(*c->public_index));
  return ch;
}

std::string channel_text(const Channel& channel) {
  if (channel.public_index) return "m" + std::to_string(*channel.public_index);
  return "m" + channel.host + ":" + std::to_string(channel.port);
}

}  // namespace detail

std::string Channel::broker() const {
  if (public_index && *public_index < public_brokers().size()) return std::string(public_brokers()[*public_index]);
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Result<Channel> channel_for_broker(std::string_view host, std::uint16_t port) {
  std::string lower(host);
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  // IP literals in any spelling inet_pton takes become the canonical one.
  if (lower.find_first_not_of("0123456789.") == std::string::npos || lower.find(':') != std::string::npos) {
    Ip ip;
    const bool v6 = lower.find(':') != std::string::npos;
    ip.family = v6 ? Family::v6 : Family::v4;
    if (::inet_pton(v6 ? AF_INET6 : AF_INET, lower.c_str(), ip.bytes.data()) == 1) lower = ip.to_string();
  }
  if (auto st = detail::check_host(lower); !st) return st.error();
  if (port == 0) return detail::bad("broker port must be 1-65535");
  const std::string text = lower + ":" + std::to_string(port);
  const auto& list = public_brokers();
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i] == text) {
      Channel ch;
      ch.public_index = static_cast<std::uint8_t>(i);
      return ch;
    }
  }
  Channel ch;
  ch.host = lower;
  ch.port = port;
  return ch;
}

}  // namespace p2pd::proto::peer
