#pragma once
// Hand-made interface snapshots for unit tests: addresses, interfaces (up, running).
#include <catch2/catch.hpp>

#include <cstdint>
#include <utility>
#include <vector>

#include "core/net/address_scope.hpp"
#include "core/net/interfaces.hpp"

namespace p2pd::net::testing {

inline IpAddress ip(const char* text) {
  auto a = IpAddress::parse(text);
  REQUIRE(a);
  return *a;
}

inline InterfaceAddress address(const char* text, std::uint8_t prefix) {
  InterfaceAddress a;
  a.address = ip(text);
  a.prefix = prefix;
  a.scope = classify(a.address);
  return a;
}

inline Interface iface(std::uint32_t index, const char* name, std::vector<InterfaceAddress> addresses) {
  Interface i;
  i.index = index;
  i.name = name;
  i.flags.up = i.flags.running = true;
  i.addresses = std::move(addresses);
  return i;
}

}  // namespace p2pd::net::testing
