// config: the "pipes" section (queue bounds, pipe and subscription limits, send backlog).
#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "test_config_support.hpp"

using namespace p2pd::config;
using p2pd::config::test::all_errors;
using p2pd::config::test::has_error;

TEST_CASE("pipes: defaults are core's bounds (docs/API.md)", "[config]") {
  const Config c = defaults();
  CHECK(c.pipes.queue_messages == 1024);
  CHECK(c.pipes.queue_bytes == 1048576);
  CHECK(c.pipes.max_pipes == 65536);
  CHECK(c.pipes.max_subs == 16);
  CHECK(c.pipes.send_backlog == 4194304);
  CHECK(c.pipes.max_udp_senders == 4096);
  CHECK(c.pipes.connect_timeout_ms == 5000);
  CHECK(c.pipes.relay_buffer == 1048576);
}

TEST_CASE("pipes: values in range load, both edges", "[config]") {
  auto r = load_from_string(R"({"pipes": {"queue_messages": 10, "queue_bytes": 65536, "max_pipes": 3,
                                          "max_subs": 0, "send_backlog": 65536, "max_udp_senders": 1,
                                          "connect_timeout_ms": 100, "relay_buffer": 65536}})");
  INFO(all_errors(r));
  REQUIRE(r.ok());
  CHECK(r.config.pipes.queue_messages == 10);
  CHECK(r.config.pipes.queue_bytes == 65536);
  CHECK(r.config.pipes.max_pipes == 3);
  CHECK(r.config.pipes.max_subs == 0);
  CHECK(r.config.pipes.send_backlog == 65536);
  CHECK(r.config.pipes.max_udp_senders == 1);
  CHECK(r.config.pipes.connect_timeout_ms == 100);
  CHECK(r.config.pipes.relay_buffer == 65536);
  CHECK(r.config.pipes.queue_messages != defaults().pipes.queue_messages);

  auto high = load_from_string(R"({"pipes": {"queue_messages": 1000000, "queue_bytes": 1073741824,
                                             "max_pipes": 1000000, "max_subs": 1024,
                                             "send_backlog": 1073741824, "max_udp_senders": 1000000,
                                             "connect_timeout_ms": 120000, "relay_buffer": 1073741824}})");
  INFO(all_errors(high));
  CHECK(high.ok());
  // Naming one key keeps the others' defaults.
  auto one = load_from_string(R"({"pipes": {"max_pipes": 7}})");
  REQUIRE(one.ok());
  CHECK(one.config.pipes.max_pipes == 7);
  CHECK(one.config.pipes.queue_messages == 1024);
}

TEST_CASE("pipes: out of range, wrong type and unknown keys name the key", "[config]") {
  struct Case {
    const char* overlay;
    const char* path;
    const char* fragment;
  };
  for (const Case& c : std::initializer_list<Case>{
           {R"({"pipes": {"queue_messages": 0}})", "pipes.queue_messages", "must be 1-1000000, not 0"},
           {R"({"pipes": {"queue_messages": 1000001}})", "pipes.queue_messages", "1-1000000"},
           {R"({"pipes": {"queue_messages": -5}})", "pipes.queue_messages", "1-1000000"},
           {R"({"pipes": {"queue_bytes": 65535}})", "pipes.queue_bytes", "65536-1073741824"},
           {R"({"pipes": {"queue_bytes": 1073741825}})", "pipes.queue_bytes", "65536-1073741824"},
           {R"({"pipes": {"max_pipes": 0}})", "pipes.max_pipes", "1-1000000"},
           {R"({"pipes": {"max_pipes": 1000001}})", "pipes.max_pipes", "1-1000000"},
           {R"({"pipes": {"max_subs": -1}})", "pipes.max_subs", "0-1024"},
           {R"({"pipes": {"max_subs": 1025}})", "pipes.max_subs", "0-1024"},
           {R"({"pipes": {"send_backlog": 65535}})", "pipes.send_backlog", "65536-1073741824"},
           {R"({"pipes": {"send_backlog": 18446744073709551615}})", "pipes.send_backlog", "65536-1073741824"},
           {R"({"pipes": {"max_udp_senders": 0}})", "pipes.max_udp_senders", "1-1000000"},
           {R"({"pipes": {"connect_timeout_ms": 99}})", "pipes.connect_timeout_ms", "100-120000"},
           {R"({"pipes": {"connect_timeout_ms": 120001}})", "pipes.connect_timeout_ms", "100-120000"},
           {R"({"pipes": {"relay_buffer": 65535}})", "pipes.relay_buffer", "65536-1073741824"},
           {R"({"pipes": {"queue_messages": "10"}})", "pipes.queue_messages", "expected an integer"},
           {R"({"pipes": {"max_pipes": 2.5}})", "pipes.max_pipes", "expected an integer"},
           {R"({"pipes": {"queue_message": 10}})", "pipes.queue_message", "unknown"},
           {R"({"pipes": []})", "pipes", ""},
       }) {
    auto r = load_from_string(c.overlay, "pipes.json");
    INFO("overlay: " << c.overlay << "\nerrors:\n" << all_errors(r));
    CHECK_FALSE(r.ok());
    CHECK(r.errors.size() == 1);
    CHECK(has_error(r, c.path, c.fragment));
  }
}

TEST_CASE("pipes: a change is reported and needs a restart", "[config]") {
  Config a = defaults();
  Config b = a;
  b.pipes.queue_messages = 10;
  b.pipes.max_pipes = 2;
  CHECK(changed_paths(a, b) == std::vector<std::string>{"pipes.max_pipes", "pipes.queue_messages"});
  CHECK_FALSE(applies_without_restart("pipes.max_pipes"));
  CHECK_FALSE(applies_without_restart("pipes.queue_messages"));
  b.pipes.queue_bytes = 100;  // below the smallest bound: validate() catches code too
  auto errors = validate(b);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].path == "pipes.queue_bytes");
}
