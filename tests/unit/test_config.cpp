// config: embedded defaults, overlay merge, syntax errors, files, redaction, diffs.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "config/config.hpp"
#include "config/default_config.hpp"
#include "test_config_support.hpp"

using namespace p2pd::config;
using p2pd::config::test::all_errors;
using p2pd::config::test::has_error;

TEST_CASE("embedded defaults are valid and match API.md", "[config]") {
  auto r = load_from_string("");
  INFO(all_errors(r));
  REQUIRE(r.ok());
  const Config& c = r.config;
  CHECK(c.api.listen == std::vector<std::string>{"127.0.0.1:12333", "[::1]:12333", "unix:api.sock"});
  CHECK(c.api.token_required);
  CHECK(c.api.max_body == 16777216u);
  CHECK(c.api.threads == 4);
  CHECK(c.api.max_long_polls == 64);
  CHECK(c.api.bridge_timeout_ms == 2000);
  CHECK(c.api.keep_alive_timeout_s == 1);
  CHECK(c.log.level == "info");
  CHECK(c.node.port == 0);
  CHECK(c.node.interfaces.include.empty());
  CHECK(c.node.interfaces.exclude.empty());
  CHECK_FALSE(c.stun.servers.empty());
  CHECK(c.stun.timeout_ms == 3000);
  CHECK(c.stun.rto_ms == 500);  // RFC 8489 §6.2.1's RTO, Rc and Rm
  CHECK(c.stun.rc == 7);
  CHECK(c.stun.rm == 16);
  CHECK(c.stun.filter_timeout_ms == 3000);
  CHECK(c.turn.servers.empty());
  CHECK_FALSE(c.signaling.mqtt.brokers.empty());
  CHECK(c.portmap.enabled);
  CHECK(c.portmap.upnp);
  CHECK(c.portmap.natpmp);
  CHECK(c.portmap.pcp);
  CHECK(c.portmap.pinholes);
  CHECK(c.portmap.lease_s == 3600);

  // defaults() is the same tree, and it re-validates cleanly.
  CHECK(to_redacted_json(defaults()) == to_redacted_json(c));
  CHECK(validate(c).empty());
  // Whitespace only counts as "no overlay".
  CHECK(load_from_string(" \n\t ").ok());
}

TEST_CASE("embedded defaults name every key the struct has", "[config]") {
  // The redacted view is built from the struct; parsing the embedded JSON must give the
  // same key tree, so nothing in config/p2pd.json is left out of the struct or vice versa.
  auto embedded = nlohmann::json::parse(default_config_json());
  auto from_struct = to_redacted_json(defaults());
  CHECK(embedded == from_struct);
}

TEST_CASE("overlay merges objects key by key, arrays and scalars replace", "[config]") {
  auto r = load_from_string(R"({
    "api": { "listen": ["127.0.0.1:0"], "threads": 2 },
    "node": { "interfaces": { "exclude": ["docker*"] } },
    "stun": { "servers": [], "rto_ms": 50, "rc": 3 },
    "portmap": { "enabled": false }
  })",
                            "test.json");
  INFO(all_errors(r));
  REQUIRE(r.ok());
  const Config& c = r.config;
  CHECK(c.api.listen == std::vector<std::string>{"127.0.0.1:0"});  // replaced, not appended
  CHECK(c.api.threads == 2);
  CHECK(c.api.token_required);                      // sibling keys keep their defaults
  CHECK(c.api.max_body == 16777216u);
  CHECK(c.node.interfaces.exclude == std::vector<std::string>{"docker*"});
  CHECK(c.node.interfaces.include.empty());
  CHECK(c.stun.servers.empty());
  CHECK(c.stun.timeout_ms == 3000);
  CHECK(c.stun.rto_ms == 50);
  CHECK(c.stun.rc == 3);
  CHECK(c.stun.rm == 16);  // unnamed siblings keep their defaults
  CHECK(c.stun.filter_timeout_ms == 3000);
  CHECK_FALSE(c.portmap.enabled);
  CHECK(c.portmap.upnp);
  CHECK(c.log.level == "info");
  CHECK(c.signaling.mqtt.brokers == defaults().signaling.mqtt.brokers);
}

TEST_CASE("a full turn server entry loads, port and transport have defaults", "[config]") {
  auto r = load_from_string(R"({"turn": {"servers": [
      {"host": "turn.example.org", "port": 5349, "transport": "tls", "username": "u", "password": "p"},
      {"host": "2001:db8::1", "username": "u2", "password": "p2"}
  ]}})");
  INFO(all_errors(r));
  REQUIRE(r.ok());
  REQUIRE(r.config.turn.servers.size() == 2);
  const auto& a = r.config.turn.servers[0];
  CHECK(a.host == "turn.example.org");
  CHECK(a.port == 5349);
  CHECK(a.transport == "tls");
  CHECK(a.username == "u");
  CHECK(a.password == "p");
  const auto& b = r.config.turn.servers[1];
  CHECK(b.host == "2001:db8::1");
  CHECK(b.port == 3478);
  CHECK(b.transport == "udp");
}

TEST_CASE("JSON syntax errors name the source, line and column", "[config]") {
  auto r = load_from_string("{\n  \"api\": {\n    \"threads\": 4,\n  }\n}\n", "my.json");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].path.empty());
  INFO(r.errors[0].message);
  CHECK(r.errors[0].message.rfind("my.json:4:3: ", 0) == 0);
  CHECK(r.errors[0].message.find("syntax error") != std::string::npos);
  CHECK(r.errors[0].to_string() == r.errors[0].message);

  auto first_line = load_from_string("{\"log\": nope}", "x.json");
  REQUIRE(first_line.errors.size() == 1);
  INFO(first_line.errors[0].message);
  CHECK(first_line.errors[0].message.rfind("x.json:1:10: ", 0) == 0);

  auto truncated = load_from_string("{\"log\": {", "t.json");
  REQUIRE(truncated.errors.size() == 1);
  CHECK(truncated.errors[0].message.rfind("t.json:1:", 0) == 0);

  auto not_object = load_from_string("[1, 2]", "arr.json");
  REQUIRE(not_object.errors.size() == 1);
  CHECK(not_object.errors[0].message.find("arr.json") != std::string::npos);
  CHECK(not_object.errors[0].message.find("object") != std::string::npos);

  CHECK_FALSE(load_from_string("{\"a\":1} trailing", "j").ok());
  CHECK_FALSE(load_from_string("\xff\xfe", "j").ok());  // invalid UTF-8, no exception
}

TEST_CASE("load_from_file reads a file, reports a missing one", "[config]") {
  char path[] = "/tmp/p2pd-config-test-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  {
    std::ofstream out(path);
    out << R"({"log": {"level": "debug"}})";
  }
  auto r = load_from_file(path);
  INFO(all_errors(r));
  CHECK(r.ok());
  CHECK(r.config.log.level == "debug");

  {
    std::ofstream out(path);
    out << "{\n\"log\": {\"level\": \"debug\"},,\n}";
  }
  auto bad = load_from_file(path);
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].message.rfind(std::string(path) + ":2:", 0) == 0);

  {
    std::ofstream out(path);
    out << R"({"log": {"levle": "debug"}})";
  }
  auto unknown = load_from_file(path);
  CHECK(has_error(unknown, "log.levle", "unknown key"));
  std::remove(path);

  auto missing = load_from_file("/nonexistent/p2pd.json");
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].path.empty());
  CHECK(missing.errors[0].message.find("/nonexistent/p2pd.json") != std::string::npos);
  CHECK(missing.errors[0].message.find("No such file") != std::string::npos);

  auto dir = load_from_file("/tmp");
  REQUIRE(dir.errors.size() == 1);
  CHECK(dir.errors[0].path.empty());
}

TEST_CASE("to_redacted_json never shows passwords", "[config]") {
  auto r = load_from_string(R"({"turn": {"servers": [
      {"host": "t1.example", "username": "alice", "password": "s3cret-one"},
      {"host": "t2.example", "username": "bob", "password": "s3cret-two"}]}})");
  REQUIRE(r.ok());
  auto j = to_redacted_json(r.config);
  auto text = j.dump();
  CHECK(text.find("s3cret") == std::string::npos);
  CHECK(j["turn"]["servers"][0]["password"] == "***");
  CHECK(j["turn"]["servers"][1]["password"] == "***");
  CHECK(j["turn"]["servers"][0]["username"] == "alice");
  CHECK(j["api"]["listen"] == nlohmann::json(r.config.api.listen));

  // The redacted view loads back as an overlay (same shape as the file format).
  auto back = load_from_string(text, "redacted");
  INFO(all_errors(back));
  CHECK(back.ok());
}

TEST_CASE("config errors never echo a password", "[config]") {
  auto r = load_from_string(R"({"turn": {"servers": [
      {"host": "bad host", "username": "", "password": "hunter2", "transport": "sctp"}]}})");
  CHECK_FALSE(r.ok());
  CHECK(all_errors(r).find("hunter2") == std::string::npos);
}

TEST_CASE("changed_paths names what differs, SIGHUP applies only some", "[config]") {
  Config a = defaults();
  CHECK(changed_paths(a, a).empty());

  Config b = a;
  b.log.level = "debug";
  b.api.listen = {"127.0.0.1:0"};
  b.stun.servers.clear();
  b.node.interfaces.exclude = {"lo"};
  b.portmap.lease_s = 0;
  CHECK(changed_paths(a, b) == std::vector<std::string>{"api.listen", "log.level",
                                                        "node.interfaces.exclude",
                                                        "portmap.lease_s", "stun.servers"});

  Config c = a;
  c.turn.servers.push_back({"t.example", 3478, "udp", "u", "p", "", ""});
  Config d = c;
  d.turn.servers[0].password = "changed";
  auto turn_changed = changed_paths(c, d);
  CHECK(turn_changed == std::vector<std::string>{"turn.servers"});
  CHECK(changed_paths(a, c) == std::vector<std::string>{"turn.servers"});

  Config e = a;
  e.stun.rto_ms = 100;
  e.stun.filter_timeout_ms = 1000;
  CHECK(changed_paths(a, e) == std::vector<std::string>{"stun.filter_timeout_ms", "stun.rto_ms"});

  CHECK(applies_without_restart("log.level"));
  CHECK(applies_without_restart("stun.servers"));
  CHECK(applies_without_restart("turn.servers"));
  CHECK(applies_without_restart("signaling.mqtt.brokers"));
  CHECK_FALSE(applies_without_restart("api.listen"));
  CHECK_FALSE(applies_without_restart("node.port"));
  CHECK_FALSE(applies_without_restart("portmap.lease_s"));
  CHECK_FALSE(applies_without_restart("stun"));
  CHECK_FALSE(applies_without_restart("stun.rto_ms"));  // the NAT service keeps its timing
}

TEST_CASE("validate re-checks a Config changed in code", "[config]") {
  Config c = defaults();
  CHECK(validate(c).empty());
  c.api.listen = {"127.0.0.1:12333", "nonsense"};
  c.log.level = "loud";
  auto errors = validate(c);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].path == "api.listen[1]");
  CHECK(errors[1].path == "log.level");
}
