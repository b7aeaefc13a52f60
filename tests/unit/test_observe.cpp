// core/observe: metrics registry and status board; rpc/long_poll_gate.
#include <catch2/catch.hpp>

#include "core/observe/metrics.hpp"
#include "core/observe/status_board.hpp"
#include "rpc/long_poll_gate.hpp"

using namespace p2pd;

TEST_CASE("metrics: same name and labels give the same counter, text format", "[observe]") {
  observe::Registry r;
  auto& a = r.counter("p2pd_x_total", "X things", {{"kind", "a"}});
  auto& a2 = r.counter("p2pd_x_total", "ignored", {{"kind", "a"}});
  auto& b = r.counter("p2pd_x_total", "", {{"kind", "b\"q"}});
  REQUIRE(&a == &a2);
  a.inc(3);
  b.inc();
  r.gauge("p2pd_pipes", "Open pipes").set(-2);
  auto text = r.render();
  CHECK(text.find("# HELP p2pd_x_total X things\n# TYPE p2pd_x_total counter\n") != std::string::npos);
  CHECK(text.find("p2pd_x_total{kind=\"a\"} 3\n") != std::string::npos);
  CHECK(text.find("p2pd_x_total{kind=\"b\\\"q\"} 1\n") != std::string::npos);
  CHECK(text.find("# TYPE p2pd_pipes gauge\np2pd_pipes -2\n") != std::string::npos);
}

TEST_CASE("status board keeps the time of the last state change", "[observe]") {
  observe::StatusBoard s;
  s.set("nat", observe::Readiness::starting, "probing", 10);
  s.set("nat", observe::Readiness::starting, "still probing", 20);
  CHECK(s.to_json()["nat"]["since_ms"] == 10);
  s.set("nat", observe::Readiness::ready, "", 30);
  auto j = s.to_json();
  CHECK(j["nat"]["state"] == "ready");
  CHECK(j["nat"]["since_ms"] == 30);
  CHECK(s.get("missing") == observe::Readiness::off);
}

TEST_CASE("long poll gate admits up to its bound", "[observe]") {
  rpc::LongPollGate gate(2);
  auto t1 = gate.try_enter();
  auto t2 = gate.try_enter();
  auto t3 = gate.try_enter();
  CHECK(t1);
  CHECK(t2);
  CHECK_FALSE(t3);
  CHECK(gate.in_use() == 2);
  { auto moved = std::move(t1); }
  CHECK(gate.in_use() == 1);
  CHECK(gate.try_enter());
}
