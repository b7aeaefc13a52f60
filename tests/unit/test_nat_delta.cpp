// P2PD's port-delta type from the mappings of four consecutive sockets (local ports
// a, a+1, c, c+1), as the NAT classifier probes them.
#include <catch2/catch.hpp>

#include <vector>

#include "core/traverse/nat_delta.hpp"

using namespace p2pd::traverse;

namespace {
Delta of(std::vector<PortPair> pairs) { return classify_delta(pairs); }
}  // namespace

TEST_CASE("Port delta: equal, preserving, independent, dependent, random", "[nat][delta]") {
  CHECK(of({{40000, 40000}, {40001, 40001}, {45000, 45000}, {45001, 45001}}).type == DeltaType::equal);
  const Delta p = of({{40000, 41000}, {40001, 41001}, {45000, 46000}, {45001, 46001}});
  CHECK(p.type == DeltaType::preserving);
  CHECK(p.value == 1000);
  const Delta n = of({{40000, 39000}, {40001, 39001}, {45000, 44000}, {45001, 44001}});
  CHECK(n.type == DeltaType::preserving);
  CHECK(n.value == -1000);
  const Delta i = of({{40000, 30000}, {40001, 30003}, {45000, 30006}, {45001, 30009}});
  CHECK(i.type == DeltaType::independent);
  CHECK(i.value == 3);
  const Delta d = of({{40000, 30000}, {40001, 30002}, {45000, 51234}, {45001, 51236}});
  CHECK(d.type == DeltaType::dependent);
  CHECK(d.value == 2);
  const Delta r = of({{40000, 30000}, {40001, 12000}, {45000, 51234}, {45001, 700}});
  CHECK(r.type == DeltaType::random);
  CHECK(r.value == 0);
}

TEST_CASE("Port delta: too few pairs or no movement are not guessed", "[nat][delta]") {
  CHECK(of({}).type == DeltaType::unknown);
  CHECK(of({{40000, 30000}, {40001, 30001}}).type == DeltaType::unknown);
  // One external port for every socket is no delta that predicts anything.
  CHECK(of({{40000, 30000}, {40001, 30000}, {45000, 30000}, {45001, 30000}}).type == DeltaType::random);
  // A fallback socket that broke the a, a+1 run: a constant step is still independent.
  const Delta i = of({{40000, 30000}, {40100, 30001}, {45000, 30002}, {45300, 30003}});
  CHECK(i.type == DeltaType::independent);
  CHECK(i.value == 1);
}
