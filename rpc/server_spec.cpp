#include "rpc/server_spec.hpp"

#include <set>
#include <string>

namespace p2pd::rpc {

namespace {

using nlohmann::json;

constexpr std::uint64_t kMinIdleMs = 50;
constexpr std::uint64_t kMaxIdleMs = 86400000;

// A whole number >= 0 (nlohmann keeps literal ints signed, parsed ones unsigned).
bool natural(const json& v) { return v.is_number_integer() && v.get<std::int64_t>() >= 0; }

Result<std::vector<std::string>> string_list(const json& value, const std::string& key) {
  if (!value.is_array()) return Error{"bad_request", "\"" + key + "\" must be a list of strings"};
  std::vector<std::string> out;
  for (const auto& item : value) {
    if (!item.is_string() || item.get_ref<const std::string&>().empty())
      return Error{"bad_request", "\"" + key + "\" must be a list of non-empty strings"};
    out.push_back(item.get<std::string>());
  }
  return out;
}

// Each entry one of `names`, at least one, none twice.
Result<std::set<std::string>> choice_list(const json& value, const std::string& key, std::set<std::string> names) {
  auto list = string_list(value, key);
  if (!list) return list.error();
  std::set<std::string> out;
  for (const auto& item : *list) {
    std::string spelled = item == "v4" ? "ipv4" : item == "v6" ? "ipv6" : item;
    if (!names.count(spelled)) {
      std::string allowed;
      for (const auto& n : names) allowed += (allowed.empty() ? "\"" : ", \"") + n + "\"";
      return Error{"bad_request", "\"" + key + "\": \"" + item + "\" is not one of " + allowed};
    }
    if (!out.insert(spelled).second) return Error{"bad_request", "\"" + key + "\": \"" + item + "\" is given twice"};
  }
  if (out.empty()) return Error{"bad_request", "\"" + key + "\" must not be empty"};
  return out;
}

}  // namespace

Result<pipe::ServerSpec> parse_server_spec(const json& body) {
  pipe::ServerSpec s;
  bool have_name = false;
  if (!body.is_object()) return Error{"bad_request", "the body must be a JSON object"};
  for (const auto& [key, value] : body.items()) {
    if (key == "name" || key == "framing") {
      if (!value.is_string()) return Error{"bad_request", "\"" + key + "\" must be a string"};
    }
    if (key == "name") {
      s.name = value.get<std::string>();
      have_name = true;
    } else if (key == "interfaces" || key == "addresses") {
      auto list = string_list(value, key);
      if (!list) return list.error();
      (key == "interfaces" ? s.where.interfaces : s.where.addresses) = std::move(*list);
    } else if (key == "families") {
      auto f = choice_list(value, key, {"ipv4", "ipv6"});
      if (!f) return f.error();
      s.where.v4 = f->count("ipv4") > 0;
      s.where.v6 = f->count("ipv6") > 0;
    } else if (key == "protos") {
      auto p = choice_list(value, key, {"tcp", "udp"});
      if (!p) return p.error();
      s.tcp = p->count("tcp") > 0;
      s.udp = p->count("udp") > 0;
    } else if (key == "port") {
      if (!natural(value) || value.get<std::uint64_t>() > 65535)
        return Error{"bad_request", "\"port\" must be a number in 0-65535 (0: pick one)"};
      s.port = value.get<std::uint16_t>();
    } else if (key == "framing") {
      auto f = pipe::parse_framing(value.get<std::string>());
      if (!f) return Error{"bad_request", "\"framing\" must be \"raw\", \"line\" or \"len16\""};
      s.framing = *f;
    } else if (key == "answer_test_string") {
      if (!value.is_boolean()) return Error{"bad_request", "\"answer_test_string\" must be true or false"};
      s.answer_test_string = value.get<bool>();
    } else if (key == "udp_idle_ms") {
      if (!natural(value) || value.get<std::uint64_t>() < kMinIdleMs ||
          value.get<std::uint64_t>() > kMaxIdleMs)
        return Error{"bad_request", "\"udp_idle_ms\" must be a number in " + std::to_string(kMinIdleMs) + "-" +
                                        std::to_string(kMaxIdleMs)};
      s.udp_idle_ms = value.get<std::uint64_t>();
    } else {
      return Error{"bad_request", "unknown key \"" + key + "\" (a server takes name, interfaces, addresses, "
                                  "families, protos, port, framing, answer_test_string, udp_idle_ms)"};
    }
  }
  if (!have_name) return Error{"bad_request", "\"name\" is required"};
  if (!s.tcp && s.framing != pipe::Framing::raw)
    return Error{"bad_request", "UDP carries datagrams: \"framing\" applies to TCP servers only"};
  return s;
}

json server_json(const pipe::ServerInfo& i) {
  json listeners = json::array();
  std::set<std::uint16_t> ports;
  for (const auto& l : i.listeners) {
    listeners.push_back({{"proto", l.proto},
                         {"local", l.local.to_string()},
                         {"port", l.local.port},
                         {"interface", l.interface.empty() ? json(nullptr) : json(l.interface)}});
    ports.insert(l.local.port);
  }
  return {{"name", i.name},
          {"listeners", listeners},
          {"ports", json(std::vector<std::uint16_t>(ports.begin(), ports.end()))},
          {"pipes", i.pipes},
          {"framing", i.framing},
          {"answer_test_string", i.answer_test_string},
          {"udp_idle_ms", i.udp_idle_ms},
          {"accepted", i.accepted},
          {"udp_senders", i.udp_senders},
          {"refused", i.refused},
          {"dropped_datagrams", i.dropped_datagrams},
          {"expired", i.expired},
          {"created_ms", i.created_ms}};
}

}  // namespace p2pd::rpc
