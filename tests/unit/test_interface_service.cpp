// InterfaceService on a real loop with a scripted snapshot reader: filter, events on the
// bus, subscribers, status, read failures; and once with the real kernel (lo is there).
#include <catch2/catch.hpp>

#include <deque>

#include "core/net/interface_service.hpp"
#include "test_interfaces_support.hpp"

using namespace p2pd;
using namespace p2pd::net;
using namespace p2pd::net::testing;

namespace {

Snapshot two_nics() {
  Snapshot s;
  s.interfaces.push_back(iface(1, "lo", {address("127.0.0.1", 8)}));
  s.interfaces.push_back(iface(2, "eth0", {address("192.168.1.5", 24)}));
  s.interfaces.push_back(iface(3, "docker0", {address("172.17.0.1", 16)}));
  return s;
}

struct Script {
  std::deque<Result<Snapshot>> answers;
  Result<Snapshot> next() {
    if (answers.empty()) return Error{"netlink", "script exhausted"};
    if (answers.size() == 1) return answers.front();  // the last answer repeats
    auto a = std::move(answers.front());
    answers.pop_front();
    return a;
  }
};

InterfaceServiceOptions scripted(InterfaceFilter filter = {}) {
  InterfaceServiceOptions o;
  o.filter = std::move(filter);
  o.monitor = false;
  o.rescan_ms = 0;
  return o;
}

}  // namespace

TEST_CASE("interface service: first scan is filtered, silent, and sets status", "[net][interface_service]") {
  loop::Loop loop;
  observe::EventBus bus;
  observe::StatusBoard status;
  Script script;
  script.answers.push_back(two_nics());
  InterfaceService svc(loop, scripted(InterfaceFilter{{}, {"docker*"}}), &bus, &status, [&] { return script.next(); });
  svc.start();
  REQUIRE(svc.snapshot().interfaces.size() == 2);
  CHECK(svc.snapshot().find("docker0") == nullptr);
  CHECK(svc.scans() == 1);
  CHECK(bus.last_seq() == 0);
  CHECK(status.get("interfaces") == observe::Readiness::ready);
  CHECK_FALSE(svc.monitoring());
  svc.close();
  CHECK(status.get("interfaces") == observe::Readiness::off);
  loop.run();
}

TEST_CASE("interface service: changes become events and reach subscribers", "[net][interface_service]") {
  loop::Loop loop;
  observe::EventBus bus;
  Script script;
  script.answers.push_back(two_nics());
  InterfaceService svc(loop, scripted(InterfaceFilter{{"eth*", "lo"}, {}}), &bus, nullptr,
                       [&] { return script.next(); });
  std::vector<std::vector<NetChange>> heard;
  svc.subscribe([&](const Snapshot& s, const std::vector<NetChange>& c) {
    CHECK(s.find("eth0") != nullptr);
    heard.push_back(c);
  });
  svc.start();

  auto changed = two_nics();
  changed.interfaces[1].addresses.push_back(address("2001:db8::5", 64));  // eth0 gains an address
  changed.interfaces[2].addresses.clear();                                 // filtered out: not seen
  script.answers.clear();
  script.answers.push_back(changed);
  auto changes = svc.rescan();
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].kind == NetChange::Kind::address_added);
  CHECK(changes[0].interface == "eth0");
  REQUIRE(heard.size() == 1);
  auto batch = bus.read(0, 10);
  REQUIRE(batch.events.size() == 1);
  CHECK(batch.events[0].type == "net.address_added");
  CHECK(batch.events[0].data["address"]["address"] == "2001:db8::5");

  // The same state again: nothing is announced.
  CHECK(svc.rescan().empty());
  CHECK(bus.last_seq() == 1);
  CHECK(heard.size() == 1);
  svc.close();
  loop.run();
}

TEST_CASE("interface service: read failures degrade status and keep the last snapshot", "[net][interface_service]") {
  loop::Loop loop;
  observe::StatusBoard status;
  Script script;
  script.answers.push_back(two_nics());
  InterfaceService svc(loop, scripted(), nullptr, &status, [&] { return script.next(); });
  svc.start();
  script.answers.clear();
  script.answers.push_back(Error{"netlink", "dump failed"});
  CHECK(svc.rescan().empty());
  CHECK(svc.snapshot().interfaces.size() == 3);
  CHECK(status.get("interfaces") == observe::Readiness::degraded);
  script.answers.clear();
  script.answers.push_back(two_nics());
  CHECK(svc.rescan().empty());
  CHECK(status.get("interfaces") == observe::Readiness::ready);
  svc.close();
  loop.run();
}

TEST_CASE("interface service: the real kernel with the netlink monitor", "[net][interface_service]") {
  loop::Loop loop;
  observe::StatusBoard status;
  InterfaceServiceOptions o;
  o.rescan_ms = 50;
  InterfaceService svc(loop, o, nullptr, &status);
  svc.start();
  CHECK(svc.snapshot().find("lo") != nullptr);
  CHECK(svc.monitoring());
  CHECK(status.get("interfaces") == observe::Readiness::ready);
  loop::Timer stop(loop);
  stop.start(130, 0, [&] {
    svc.close();
    stop.close();
  });
  loop.run();
  CHECK(svc.scans() >= 3);  // the first read and two periodic ones
}
