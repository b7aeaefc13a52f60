// config: every validation rule rejects with the right path, and all problems at once.
#include <algorithm>

#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "test_config_support.hpp"

using namespace p2pd::config;
using p2pd::config::test::all_errors;
using p2pd::config::test::has_error;

namespace {

struct Case {
  const char* overlay;
  const char* path;
  const char* fragment;
};

void check_rejects(const Case& c) {
  auto r = load_from_string(c.overlay, "rules.json");
  INFO("overlay: " << c.overlay << "\nerrors:\n" << all_errors(r));
  CHECK_FALSE(r.ok());
  CHECK(r.errors.size() == 1);
  CHECK(has_error(r, c.path, c.fragment));
}

void check_accepts(const char* overlay) {
  auto r = load_from_string(overlay, "rules.json");
  INFO("overlay: " << overlay << "\nerrors:\n" << all_errors(r));
  CHECK(r.ok());
}

}  // namespace

TEST_CASE("unknown keys are reported at every level", "[config]") {
  for (const Case& c : std::initializer_list<Case>{
           {R"({"api": {"lisen": []}})", "api.lisen", "unknown key"},
           {R"({"bogus": 1})", "bogus", "unknown key"},
           {R"({"node": {"interfaces": {"inclde": []}}})", "node.interfaces.inclde", "unknown key"},
           {R"({"signaling": {"mqtt": {"broker": []}}})", "signaling.mqtt.broker", "unknown key"},
           {R"({"signaling": {"xmpp": {}}})", "signaling.xmpp", "unknown key"},
           {R"({"turn": {"servers": [{"host": "h", "username": "u", "password": "p", "realm": "r"}]}})",
            "turn.servers[0].realm", "unknown key"},
       }) {
    check_rejects(c);
  }
  auto r = load_from_string(R"({"api": {"lisen": []}})");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() == "api.lisen: unknown key");
}

TEST_CASE("wrong types are reported with the expected type", "[config]") {
  for (const Case& c : std::initializer_list<Case>{
           {R"({"api": {"max_body": -1}})", "api.max_body", "expected an unsigned integer"},
           {R"({"api": {"max_body": "16M"}})", "api.max_body", "expected an unsigned integer"},
           {R"({"api": {"max_body": 1.5}})", "api.max_body", "expected an unsigned integer"},
           {R"({"api": {"threads": 2.0}})", "api.threads", "expected an integer"},
           {R"({"api": {"threads": "4"}})", "api.threads", "expected an integer"},
           {R"({"api": {"token_required": "yes"}})", "api.token_required", "true or false"},
           {R"({"api": {"token_required": 1}})", "api.token_required", "true or false"},
           {R"({"api": {"listen": "127.0.0.1:1"}})", "api.listen", "expected an array"},
           {R"({"api": {"listen": [1]}})", "api.listen[0]", "expected a string"},
           {R"({"api": []})", "api", "expected an object"},
           {R"({"api": null})", "api", "expected an object"},
           {R"({"log": "debug"})", "log", "expected an object"},
           {R"({"log": {"level": 3}})", "log.level", "expected a string"},
           {R"({"node": {"interfaces": []}})", "node.interfaces", "expected an object"},
           {R"({"node": {"interfaces": {"include": [null]}}})", "node.interfaces.include[0]", "expected a string"},
           {R"({"stun": {"servers": {}}})", "stun.servers", "expected an array"},
           {R"({"turn": {"servers": {}}})", "turn.servers", "expected an array"},
           {R"({"turn": {"servers": ["turn.example:3478"]}})", "turn.servers[0]", "expected an object"},
           {R"({"portmap": {"pcp": null}})", "portmap.pcp", "true or false"},
       }) {
    check_rejects(c);
  }
}

TEST_CASE("listeners must parse and the list must not be empty", "[config]") {
  check_accepts(R"({"api": {"listen": ["127.0.0.1:0", "[::1]:0", "unix:/tmp/x.sock"]}})");
  for (const Case& c : std::initializer_list<Case>{
           {R"({"api": {"listen": []}})", "api.listen", "at least one"},
           {R"({"api": {"listen": ["127.0.0.1:1", "localhost:12333"]}})", "api.listen[1]", "not an endpoint: "},
           {R"({"api": {"listen": ["::1:12333"]}})", "api.listen[0]", "not an endpoint: "},
           {R"({"api": {"listen": ["unix:"]}})", "api.listen[0]", "not an endpoint: "},
           {R"({"api": {"listen": ["127.0.0.1:65536"]}})", "api.listen[0]", "not an endpoint: "},
       }) {
    check_rejects(c);
  }
}

TEST_CASE("server lists take host:port only", "[config]") {
  check_accepts(R"({"stun": {"servers": ["stun.example.org:3478", "[2001:db8::1]:3478", "192.0.2.1:3478"]},
                    "signaling": {"mqtt": {"brokers": ["localhost:1883"]}}})");
  check_accepts(R"({"stun": {"servers": []}, "signaling": {"mqtt": {"brokers": []}}})");
  for (const Case& c : std::initializer_list<Case>{
           {R"({"stun": {"servers": ["a:1", "b:2", "no-port"]}})", "stun.servers[2]", "not host:port"},
           {R"({"stun": {"servers": ["a:0"]}})", "stun.servers[0]", "not host:port"},
           {R"({"stun": {"servers": ["2001:db8::1:3478"]}})", "stun.servers[0]", "not host:port"},
           {R"({"signaling": {"mqtt": {"brokers": ["bad host:1883"]}}})", "signaling.mqtt.brokers[0]", "not host:port"},
           {R"({"signaling": {"mqtt": {"brokers": ["ok:1883", "x:99999"]}}})", "signaling.mqtt.brokers[1]", "not host:port"},
       }) {
    check_rejects(c);
  }
}

TEST_CASE("enumerations", "[config]") {
  for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    check_accepts((std::string(R"({"log": {"level": ")") + level + "\"}}").c_str());
  }
  check_rejects({R"({"log": {"level": "verbose"}})", "log.level", "trace|debug|info|warn|error|critical|off"});
  check_rejects({R"({"log": {"level": "INFO"}})", "log.level", "must be one of"});
}

TEST_CASE("numeric ranges, both edges", "[config]") {
  for (const char* ok : {
           R"({"node": {"port": 0}})", R"({"node": {"port": 65535}})",
           R"({"api": {"threads": 1}})", R"({"api": {"threads": 64}})",
           R"({"api": {"max_long_polls": 1}})",
           R"({"api": {"bridge_timeout_ms": 10}})", R"({"api": {"bridge_timeout_ms": 60000}})",
           R"({"api": {"keep_alive_timeout_s": 0}})", R"({"api": {"keep_alive_timeout_s": 60}})",
           R"({"api": {"max_body": 1}})", R"({"api": {"max_body": 18446744073709551615}})",
           R"({"stun": {"timeout_ms": 100}})", R"({"stun": {"timeout_ms": 60000}})",
           R"({"stun": {"rto_ms": 10}})", R"({"stun": {"rto_ms": 10000}})",
           R"({"stun": {"rc": 1}})", R"({"stun": {"rc": 20}})",
           R"({"stun": {"rm": 1}})", R"({"stun": {"rm": 64}})",
           R"({"stun": {"filter_timeout_ms": 100}})", R"({"stun": {"filter_timeout_ms": 60000}})",
           R"({"portmap": {"lease_s": 0}})", R"({"portmap": {"lease_s": 60}})",
           R"({"portmap": {"lease_s": 604800}})",
       }) {
    check_accepts(ok);
  }
  for (const Case& c : std::initializer_list<Case>{
           {R"({"node": {"port": -1}})", "node.port", "0-65535"},
           {R"({"node": {"port": 65536}})", "node.port", "0-65535"},
           {R"({"node": {"port": 18446744073709551615}})", "node.port", "0-65535"},
           {R"({"api": {"threads": 0}})", "api.threads", "1-64"},
           {R"({"api": {"threads": 65}})", "api.threads", "1-64"},
           {R"({"api": {"max_long_polls": 0}})", "api.max_long_polls", ""},
           {R"({"api": {"bridge_timeout_ms": 9}})", "api.bridge_timeout_ms", "10-60000"},
           {R"({"api": {"bridge_timeout_ms": 60001}})", "api.bridge_timeout_ms", "10-60000"},
           {R"({"api": {"keep_alive_timeout_s": -1}})", "api.keep_alive_timeout_s", "0-60"},
           {R"({"api": {"keep_alive_timeout_s": 61}})", "api.keep_alive_timeout_s", "0-60"},
           {R"({"api": {"max_body": 0}})", "api.max_body", "at least 1"},
           {R"({"stun": {"timeout_ms": 99}})", "stun.timeout_ms", "100-60000"},
           {R"({"stun": {"timeout_ms": 60001}})", "stun.timeout_ms", "100-60000"},
           {R"({"stun": {"rto_ms": 9}})", "stun.rto_ms", "10-10000"},
           {R"({"stun": {"rto_ms": 10001}})", "stun.rto_ms", "10-10000"},
           {R"({"stun": {"rto_ms": 1.5}})", "stun.rto_ms", "expected an integer"},
           {R"({"stun": {"rc": 0}})", "stun.rc", "1-20"},
           {R"({"stun": {"rc": 21}})", "stun.rc", "1-20"},
           {R"({"stun": {"rm": 0}})", "stun.rm", "1-64"},
           {R"({"stun": {"rm": 65}})", "stun.rm", "1-64"},
           {R"({"stun": {"rm": "16"}})", "stun.rm", "expected an integer"},
           {R"({"stun": {"filter_timeout_ms": 99}})", "stun.filter_timeout_ms", "100-60000"},
           {R"({"stun": {"filter_timeout_ms": 60001}})", "stun.filter_timeout_ms", "100-60000"},
           {R"({"portmap": {"lease_s": 1}})", "portmap.lease_s", "60-604800"},
           {R"({"portmap": {"lease_s": 59}})", "portmap.lease_s", "60-604800"},
           {R"({"portmap": {"lease_s": 604801}})", "portmap.lease_s", "604800"},
           {R"({"portmap": {"lease_s": -5}})", "portmap.lease_s", "604800"},
       }) {
    check_rejects(c);
  }
}

TEST_CASE("turn server entries", "[config]") {
  for (const Case& c : std::initializer_list<Case>{
           {R"({"turn": {"servers": [{"port": 3478, "username": "u", "password": "p"}]}})", "turn.servers[0].host", "missing"},
           {R"({"turn": {"servers": [{"host": "h", "password": "p"}]}})", "turn.servers[0].username", "missing"},
           {R"({"turn": {"servers": [{"host": "h", "username": "u"}]}})", "turn.servers[0].password", "missing"},
           {R"({"turn": {"servers": [{"host": "h", "username": "", "password": "p"}]}})", "turn.servers[0].username", "empty"},
           {R"({"turn": {"servers": [{"host": "h", "username": "u", "password": ""}]}})", "turn.servers[0].password", "empty"},
           {R"({"turn": {"servers": [{"host": "h", "username": "u", "password": 5}]}})", "turn.servers[0].password", "expected a string"},
           {R"({"turn": {"servers": [{"host": "h h", "username": "u", "password": "p"}]}})", "turn.servers[0].host", "not a host"},
           {R"({"turn": {"servers": [{"host": "h:3478", "username": "u", "password": "p"}]}})", "turn.servers[0].host", "not a host"},
           {R"({"turn": {"servers": [{"host": "h", "port": 0, "username": "u", "password": "p"}]}})", "turn.servers[0].port", "1-65535"},
           {R"({"turn": {"servers": [{"host": "h", "port": 65536, "username": "u", "password": "p"}]}})", "turn.servers[0].port", "1-65535"},
           {R"({"turn": {"servers": [{"host": "h", "port": "3478", "username": "u", "password": "p"}]}})", "turn.servers[0].port", "expected an integer"},
           {R"({"turn": {"servers": [{"host": "h", "transport": "dtls", "username": "u", "password": "p"}]}})", "turn.servers[0].transport", "udp|tcp|tls"},
       }) {
    check_rejects(c);
  }
  check_rejects({R"({"turn": {"servers": [{"host": "a", "username": "u", "password": "p"},
                                           {"host": "b", "username": "u", "password": "p", "transport": "quic"}]}})",
                 "turn.servers[1].transport", "udp|tcp|tls"});
}

TEST_CASE("turn server TLS settings: tls only, absolute ca_file, a host as server_name", "[config]") {
  for (const Case& c : std::initializer_list<Case>{
           {R"({"turn": {"servers": [{"host": "h", "username": "u", "password": "p", "ca_file": "/etc/ca.pem"}]}})",
            "turn.servers[0].ca_file", "only for transport \"tls\" (this server's transport is \"udp\")"},
           {R"({"turn": {"servers": [{"host": "h", "transport": "tcp", "username": "u", "password": "p", "server_name": "n"}]}})",
            "turn.servers[0].server_name", "only for transport \"tls\" (this server's transport is \"tcp\")"},
           {R"({"turn": {"servers": [{"host": "h", "transport": "tls", "username": "u", "password": "p", "ca_file": "ca.pem"}]}})",
            "turn.servers[0].ca_file", "must be an absolute path"},
           {R"({"turn": {"servers": [{"host": "h", "transport": "tls", "username": "u", "password": "p", "ca_file": ""}]}})",
            "turn.servers[0].ca_file", "must be an absolute path"},
           {R"({"turn": {"servers": [{"host": "h", "transport": "tls", "username": "u", "password": "p", "server_name": "a b"}]}})",
            "turn.servers[0].server_name", "not a host"},
           {R"({"turn": {"servers": [{"host": "h", "transport": "tls", "username": "u", "password": "p", "ca_file": 1}]}})",
            "turn.servers[0].ca_file", "expected a string"},
       }) {
    check_rejects(c);
  }
  check_accepts(R"({"turn": {"servers": [{"host": "192.0.2.1", "port": 5349, "transport": "tls", "username": "u",
                                          "password": "p", "ca_file": "/etc/p2pd/ca.pem", "server_name": "turn.example.net"},
                                         {"host": "h", "transport": "tls", "username": "u", "password": "p",
                                          "server_name": "2001:db8::1"}]}})");
  auto r = load_from_string(R"({"turn": {"servers": [{"host": "h", "transport": "tls", "username": "u", "password": "p",
                                                       "ca_file": "/etc/p2pd/ca.pem", "server_name": "turn.example.net"}]}})");
  REQUIRE(r.ok());
  CHECK(r.config.turn.servers[0].ca_file == "/etc/p2pd/ca.pem");
  CHECK(r.config.turn.servers[0].server_name == "turn.example.net");
  // The redacted view keeps them (and loads back); servers without them do not show them.
  auto j = to_redacted_json(r.config);
  CHECK(j["turn"]["servers"][0]["ca_file"] == "/etc/p2pd/ca.pem");
  CHECK(j["turn"]["servers"][0]["server_name"] == "turn.example.net");
  CHECK(load_from_string(j.dump(), "redacted").ok());
  auto plain = load_from_string(R"({"turn": {"servers": [{"host": "h", "username": "u", "password": "p"}]}})");
  REQUIRE(plain.ok());
  CHECK_FALSE(to_redacted_json(plain.config)["turn"]["servers"][0].contains("ca_file"));
}

TEST_CASE("several problems are all reported at once", "[config]") {
  auto r = load_from_string(R"({
    "api": { "lisen": [], "max_body": "big", "listen": ["127.0.0.1:1", "nope", "unix:"], "threads": 0 },
    "log": { "level": "loud" },
    "node": { "port": 70000 },
    "stun": { "servers": ["ok:1", "bad", "also bad:1"] },
    "turn": { "servers": [{"host": "h"}] },
    "signaling": { "mqtt": { "brokers": [":1883"] } },
    "portmap": { "lease_s": 30, "extra": true },
    "unknown_section": {}
  })",
                            "many.json");
  INFO(all_errors(r));
  const std::vector<std::string> expected_paths = {
      "api.lisen",          "api.listen[1]",          "api.listen[2]",
      "api.max_body",       "api.threads",            "log.level",
      "node.port",          "stun.servers[1]",        "stun.servers[2]",
      "turn.servers[0].username", "turn.servers[0].password", "signaling.mqtt.brokers[0]",
      "portmap.extra",      "portmap.lease_s",        "unknown_section",
  };
  std::vector<std::string> got;
  for (const auto& e : r.errors) got.push_back(e.path);
  std::sort(got.begin(), got.end());
  auto want = expected_paths;
  std::sort(want.begin(), want.end());
  CHECK(got == want);
}
