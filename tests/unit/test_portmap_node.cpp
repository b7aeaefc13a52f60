// PortmapNode (what /v1/portmaps reaches) against the scripted gateway on 127.0.0.1: the
// node port's mappings and API mappings listed with their owner, an API mapping answered
// once granted and deleted on the gateway (event portmap.deleted), the node port's kept,
// a mapping no protocol can make answered with every reason and forgotten, waiting adds
// answered at shutdown, and the errors when mapping is off.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "core/portmap/portmap_node.hpp"
#include "test_loop_support.hpp"
#include "test_portmap_fake_gateway.hpp"

using namespace p2pd;
using namespace p2pd::portmap;
using nlohmann::json;
using p2pd::portmap::testing::FakeGateway;

namespace {

PortmapNodeOptions options_for(const FakeGateway& fake, std::uint16_t node_port) {
  PortmapNodeOptions o;
  o.mapper.timeout_ms = 300;
  o.mapper.retry_ms = 300;
  o.node_port = node_port;
  Gateway g;
  g.server = fake.endpoint();
  g.local = net::IpAddress::parse("127.0.0.1").value();
  o.gateway = g;
  return o;
}

std::vector<std::string> event_types(const observe::EventBus& bus) {
  std::vector<std::string> out;
  for (const auto& e : bus.read(0, 100).events) out.push_back(e.type);
  return out;
}

template <class T>
bool wait_set(loop::Loop& loop, const std::optional<T>& slot, std::uint64_t ms = 5000) {
  return p2pd::testing::run_loop_until(loop, [&] { return slot.has_value(); }, ms, 10);
}

}  // namespace

TEST_CASE("PortmapNode: API mappings beside the node port's, answered when granted, deleted", "[portmap]") {
  loop::Loop loop;
  FakeGateway fake(loop);
  observe::EventBus events;
  observe::StatusBoard status;
  PortmapNode node(loop, options_for(fake, 4100), nullptr, &events, &status);
  node.start();

  std::optional<Result<json>> added;
  node.add(PortmapAdd{Protocol::tcp, 5000, 15500, 60, false, std::nullopt}, [&](Result<json> r) { added.emplace(std::move(r)); });
  CHECK_FALSE(added.has_value());  // never inside add()
  REQUIRE(wait_set(loop, added));
  REQUIRE(added->ok());
  const json& m = added->value();
  CHECK(m["state"] == "mapped");
  CHECK(m["owner"] == "api");
  CHECK(m["method"] == "pcp");
  CHECK(m["protocol"] == "tcp");
  CHECK(m["external"] == "203.0.113.7:15000");  // the fake grants internal + 10000
  CHECK(m["requested"]["lifetime_s"] == 60);
  CHECK(m["gateway"] == "127.0.0.1");
  CHECK(fake.table.count({6, 5000}) == 1);
  const auto id = m["id"].get<std::uint64_t>();

  REQUIRE(p2pd::testing::run_loop_until(loop, [&] { return node.list()["portmaps"].size() == 3 &&
                                                           status.get("portmap") == observe::Readiness::ready; },
                                        5000, 10));
  const json list = node.list();
  CHECK(list["enabled"] == true);
  CHECK(list["method"] == "pcp");
  int node_owned = 0;
  for (const auto& e : list["portmaps"]) node_owned += e["owner"] == "node";
  CHECK(node_owned == 2);
  CHECK(node.get(id)->at("internal_port") == 5000);
  CHECK(node.get(999).error().code == "not_found");

  std::optional<Result<json>> refused;
  node.remove(list["portmaps"][0]["id"].get<std::uint64_t>(), [&](Result<json> r) { refused.emplace(std::move(r)); });
  REQUIRE(refused.has_value());
  CHECK(refused->error().code == "conflict");
  std::optional<Result<json>> unknown;
  node.remove(999, [&](Result<json> r) { unknown.emplace(std::move(r)); });
  CHECK(unknown->error().code == "not_found");

  std::optional<Result<json>> deleted;
  node.remove(id, [&](Result<json> r) { deleted.emplace(std::move(r)); });
  REQUIRE(wait_set(loop, deleted));
  REQUIRE(deleted->ok());
  CHECK(deleted->value()["deleted"] == id);
  CHECK(deleted->value()["gateway_confirmed"] == true);
  CHECK(fake.table.count({6, 5000}) == 0);
  CHECK(node.list()["portmaps"].size() == 2);
  const auto types = event_types(events);
  CHECK(std::count(types.begin(), types.end(), "portmap.appeared") == 3);
  CHECK(std::count(types.begin(), types.end(), "portmap.deleted") == 1);

  std::optional<bool> stopped;
  node.shutdown(1000, [&] { stopped = true; });
  REQUIRE(wait_set(loop, stopped));
  CHECK(fake.table.empty());
  node.close();
}

TEST_CASE("PortmapNode: a mapping no protocol makes is answered with every reason and forgotten", "[portmap]") {
  loop::Loop loop;
  FakeGateway fake(loop);
  fake.silent = true;
  observe::EventBus events;
  PortmapNode node(loop, options_for(fake, 0), nullptr, &events, nullptr);
  node.start();
  std::optional<Result<json>> added;
  node.add(PortmapAdd{Protocol::udp, 5001, 0, 0, false, std::nullopt}, [&](Result<json> r) { added.emplace(std::move(r)); });
  REQUIRE(wait_set(loop, added));
  REQUIRE_FALSE(added->ok());
  CHECK(added->error().code == "portmap_failed");
  CHECK(added->error().message.find("pcp: ") != std::string::npos);
  CHECK(added->error().message.find("natpmp: ") != std::string::npos);
  CHECK(node.list()["portmaps"].empty());
  const auto types = event_types(events);
  CHECK(std::count(types.begin(), types.end(), "portmap.failed") == 1);

  // An add still waiting at shutdown is answered.
  std::optional<Result<json>> waiting;
  node.add(PortmapAdd{Protocol::udp, 5002, 0, 0, false, std::nullopt}, [&](Result<json> r) { waiting.emplace(std::move(r)); });
  std::optional<bool> stopped;
  node.shutdown(500, [&] { stopped = true; });
  REQUIRE(waiting.has_value());
  CHECK(waiting->error().code == "unavailable");
  REQUIRE(wait_set(loop, stopped));
  std::optional<Result<json>> late;
  node.add(PortmapAdd{Protocol::udp, 5003, 0, 0, false, std::nullopt}, [&](Result<json> r) { late.emplace(std::move(r)); });
  CHECK(late->error().message == "the daemon is stopping");
  node.close();
}

TEST_CASE("PortmapNode: switched off, every call says why", "[portmap]") {
  loop::Loop loop;
  PortmapNodeOptions o;
  o.enabled = false;
  observe::StatusBoard status;
  PortmapNode node(loop, o, nullptr, nullptr, &status);
  node.start();
  CHECK(status.get("portmap") == observe::Readiness::off);
  const json list = node.list();
  CHECK(list["enabled"] == false);
  CHECK(list["reason"].get<std::string>().find("portmap.enabled is false") != std::string::npos);
  std::optional<Result<json>> added;
  node.add(PortmapAdd{Protocol::udp, 5004, 0, 0, false, std::nullopt}, [&](Result<json> r) { added.emplace(std::move(r)); });
  REQUIRE(added.has_value());
  CHECK(added->error().code == "unavailable");
  CHECK(node.get(1).error().code == "unavailable");
}
