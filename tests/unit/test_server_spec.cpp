// POST /v1/servers bodies (rpc/server_spec) and the server view.
#include <catch2/catch.hpp>

#include "rpc/server_spec.hpp"

using namespace p2pd;
using nlohmann::json;

TEST_CASE("server spec: defaults and every key", "[server_spec]") {
  auto d = rpc::parse_server_spec(json{{"name", "srv"}});
  REQUIRE(d);
  CHECK(d->name == "srv");
  CHECK(d->tcp);
  CHECK_FALSE(d->udp);
  CHECK(d->port == 0);
  CHECK(d->where.v4);
  CHECK(d->where.v6);
  CHECK(d->where.interfaces.empty());
  CHECK_FALSE(d->answer_test_string);
  CHECK_FALSE(d->udp_idle_ms);

  auto s = rpc::parse_server_spec(json{{"name", "s2"},
                                       {"interfaces", {"lo", "eth0"}},
                                       {"addresses", json::array({"127.0.0.2"})},
                                       {"families", json::array({"v4"})},
                                       {"protos", {"udp", "tcp"}},
                                       {"port", 40000},
                                       {"framing", "line"},
                                       {"answer_test_string", false},
                                       {"udp_idle_ms", 500}});
  INFO((s ? std::string() : s.error().message));
  REQUIRE(s);
  CHECK(s->where.interfaces == std::vector<std::string>{"lo", "eth0"});
  CHECK(s->where.addresses == std::vector<std::string>{"127.0.0.2"});
  CHECK(s->where.v4);
  CHECK_FALSE(s->where.v6);
  CHECK(s->tcp);
  CHECK(s->udp);
  CHECK(s->port == 40000);
  CHECK(s->framing == pipe::Framing::line);
  CHECK(s->answer_test_string == false);
  CHECK(*s->udp_idle_ms == 500);
}

TEST_CASE("server spec: bad bodies name the key", "[server_spec]") {
  auto message = [](const json& body) {
    auto r = rpc::parse_server_spec(body);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "bad_request");
    return r.error().message;
  };
  CHECK(message(json::object()).find("\"name\" is required") != std::string::npos);
  CHECK(message(json{{"name", "s"}, {"colour", 1}}).find("unknown key \"colour\"") != std::string::npos);
  CHECK(message(json{{"name", "s"}, {"port", 70000}}).find("\"port\"") != std::string::npos);
  CHECK(message(json{{"name", "s"}, {"port", -1}}).find("\"port\"") != std::string::npos);
  CHECK(message(json{{"name", "s"}, {"protos", json::array({"sctp"})}}).find("\"sctp\" is not one of") != std::string::npos);
  CHECK(message(json{{"name", "s"}, {"protos", json::array()}}).find("must not be empty") != std::string::npos);
  CHECK(message(json{{"name", "s"}, {"protos", {"tcp", "tcp"}}}).find("given twice") != std::string::npos);
  CHECK(message(json{{"name", "s"}, {"families", "ipv4"}}).find("list of strings") != std::string::npos);
  CHECK(message(json{{"name", "s"}, {"interfaces", json::array({""})}}).find("non-empty") != std::string::npos);
  CHECK(message(json{{"name", "s"}, {"udp_idle_ms", 1}}).find("\"udp_idle_ms\"") != std::string::npos);
  CHECK(message(json{{"name", "s"}, {"framing", "xml"}}).find("\"framing\"") != std::string::npos);
  CHECK(message(json{{"name", "s"}, {"protos", json::array({"udp"})}, {"framing", "line"}}).find("TCP servers only") !=
        std::string::npos);
  CHECK(message(json::array()).find("JSON object") != std::string::npos);
}

TEST_CASE("server view: listeners, ports once, counters", "[server_spec]") {
  pipe::ServerInfo i;
  i.name = "srv";
  i.listeners.push_back({"tcp", *net::Endpoint::parse("127.0.0.1:4000"), "lo"});
  i.listeners.push_back({"udp", *net::Endpoint::parse("[::1]:4000"), ""});
  i.pipes = {"srv.1"};
  i.framing = "raw";
  i.accepted = 3;
  auto j = rpc::server_json(i);
  CHECK(j["listeners"].size() == 2);
  CHECK(j["listeners"][0]["local"] == "127.0.0.1:4000");
  CHECK(j["listeners"][0]["interface"] == "lo");
  CHECK(j["listeners"][1]["interface"].is_null());
  CHECK(j["ports"] == json::array({4000}));
  CHECK(j["pipes"] == json::array({"srv.1"}));
  CHECK(j["accepted"] == 3);
}
