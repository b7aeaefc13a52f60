#include "rpc/pipe_views.hpp"

#include <sodium.h>

namespace p2pd::rpc {

namespace {

nlohmann::json endpoint_or_null(const std::optional<net::Endpoint>& ep) {
  return ep ? nlohmann::json(ep->to_string()) : nlohmann::json(nullptr);
}

nlohmann::json or_null(const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); }

}  // namespace

nlohmann::json subscription_json(const pipe::SubscriptionInfo& s) {
  return {{"id", s.id},
          {"match", or_null(s.filter.match)},
          {"prefix", or_null(s.filter.prefix)},
          {"from", or_null(s.filter.from)},
          {"overflow", s.overflow},
          {"max_messages", s.bounds.max_messages},
          {"max_bytes", s.bounds.max_bytes},
          {"queued_messages", s.queue.messages},
          {"queued_bytes", s.queue.bytes},
          {"matched", s.matched},
          {"delivered", s.queue.popped},
          {"dropped_messages", s.queue.dropped_messages},
          {"dropped_bytes", s.queue.dropped_bytes},
          {"regex_limit_hits", s.regex_limit_hits},
          {"waiting", s.waiting}};
}

nlohmann::json pipe_json(const pipe::PipeInfo& i) {
  nlohmann::json subs = nlohmann::json::array();
  for (const auto& s : i.subs) subs.push_back(subscription_json(s));
  nlohmann::json attachment = nullptr;
  if (!i.attachment.empty())
    attachment = {{"kind", i.attachment}, {"listen", or_null(i.attachment_listen)}, {"connected", i.attachment_connected}};
  nlohmann::json out = {{"name", i.name},
          {"proto", i.kind},
          {"state", i.state},
          {"framing", i.framing},
          {"server", or_null(i.server)},
          {"local", endpoint_or_null(i.local)},
          {"remote", endpoint_or_null(i.remote)},
          {"created_ms", i.created_ms},
          {"last_activity_ms", i.last_activity_ms},
          {"bytes_in", i.bytes_in},
          {"bytes_out", i.bytes_out},
          {"messages_in", i.messages_in},
          {"messages_out", i.messages_out},
          {"dropped_messages", i.dropped_messages},
          {"dropped_bytes", i.dropped_bytes},
          {"oversize", i.oversize},
          {"reading_paused", i.reading_paused},
          {"send_backlog", i.send_backlog},
          {"answer_test_string", i.answer_test_string},
          {"test_strings_answered", i.test_strings_answered},
          {"close_reason", or_null(i.close_reason)},
          {"subs", subs},
          {"attachment", attachment}};
  if (!i.details.is_null()) out[i.kind] = i.details;
  return out;
}

nlohmann::json message_json(const pipe::Message& m) {
  nlohmann::json j = {{"from", m.from.to_string()},
                      {"seq", m.seq},
                      {"at_ms", m.at_ms},
                      {"size", m.data.size()},
                      {"data_b64", to_base64(m.data)}};
  if (is_utf8(m.data)) j["text"] = std::string(m.data.begin(), m.data.end());
  return j;
}

std::string to_base64(std::span<const std::uint8_t> bytes) {
  const std::size_t len = sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string out(len, '\0');
  sodium_bin2base64(out.data(), len, bytes.data(), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(len - 1);  // the terminating NUL
  return out;
}

std::optional<std::string> from_base64(const std::string& text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size())
    return std::nullopt;
  out.resize(len);
  return out;
}

bool is_utf8(std::span<const std::uint8_t> b) {
  std::size_t i = 0;
  while (i < b.size()) {
    const std::uint8_t c = b[i];
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= b.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if ((b[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

}  // namespace p2pd::rpc
