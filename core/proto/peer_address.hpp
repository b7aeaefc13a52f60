#pragma once
// Peer addresses: the one copy-pasteable string that says who a peer is (its Ed25519
// public key) and how to reach it (ports, candidates per interface and family, NAT type
// and port delta, signaling channels). docs/API.md, "Peer addresses", has the grammar,
// an example and the length budget.
//
//   p2pd1_<key>_<ports>_<signaling>_<group>_<group>...
//   group = ifindex,family,nics,external,external_port,nat,delta
//
// The alphabet is [a-z0-9.,:+_-] (addresses, hostnames and base32 are lowercase): no
// shell metacharacters, nothing curl globs, nothing a URL path must encode.
//
//   auto a = proto::peer::parse(text);      // strict: one canonical spelling per value
//   std::string s = proto::peer::serialize(*a);   // parse(s) gives *a back, and for any
//                                                 // text that parses, serialize gives it back
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace p2pd::proto::peer {

inline constexpr std::string_view kPrefix = "p2pd";
inline constexpr int kVersion = 1;
inline constexpr std::size_t kKeySize = 32;        // Ed25519 public key
inline constexpr std::size_t kKeyTextSize = 52;    // base32 of 32 bytes, no padding
inline constexpr std::size_t kMaxLength = 1024;    // longer strings are rejected unread
inline constexpr std::size_t kMaxPorts = 4;
inline constexpr std::size_t kMaxChannels = 8;
inline constexpr std::size_t kMaxGroups = 16;
inline constexpr std::size_t kMaxNics = 4;          // NIC addresses in one group
inline constexpr std::int32_t kMaxDelta = 65535;    // |delta value|

using Key = std::array<std::uint8_t, kKeySize>;

enum class Family : std::uint8_t { v4 = 4, v6 = 6 };

// An IP address (no port, no zone: the group's ifindex is the zone of a link-local one).
struct Ip {
  Family family = Family::v4;
  std::array<std::uint8_t, 16> bytes{};  // v4 uses the first 4, the rest stay 0
  static Result<Ip> parse(std::string_view text);  // canonical text only (inet_ntop's)
  std::string to_string() const;
  bool is_link_local() const;
  friend bool operator==(const Ip&, const Ip&) = default;
};

// RFC 3489 types plus "open" (no NAT, no filter) and "unknown" (not measured yet).
enum class NatType {
  open, udp_firewall, blocked, full_cone, restricted_cone, port_restricted_cone, symmetric, unknown
};

// P2PD's port-delta types (docs/API.md): how the next external port follows.
enum class DeltaType { equal, preserving, independent, dependent, random, not_applicable };

struct Delta {
  DeltaType type = DeltaType::not_applicable;
  std::int32_t value = 0;  // preserving, independent, dependent only; 0 for the others
  friend bool operator==(const Delta&, const Delta&) = default;
};

// Candidates of one interface and family.
struct Group {
  std::uint32_t ifindex = 0;           // the peer's interface index (1..2^32-1)
  Family family = Family::v4;
  std::vector<Ip> nics;                // 1..kMaxNics, all of `family`, distinct
  std::optional<Ip> external;          // as seen from outside (STUN); may equal nics[0]
  std::optional<std::uint16_t> external_port;  // mapped port when known and not the listening port
  NatType nat = NatType::unknown;
  std::optional<Delta> delta;          // nullopt: not measured
  friend bool operator==(const Group&, const Group&) = default;
};

// How to reach the peer's signaling: an MQTT broker, either one of the well-known public
// brokers (by index into public_brokers(), so the common case costs two characters) or
// an explicit host and port.
struct Channel {
  std::optional<std::uint8_t> public_index;
  std::string host;                    // lowercase name or canonical IP literal (no brackets)
  std::uint16_t port = 0;
  // "host:port" of this broker ("[v6]:port" for IPv6); the public list's entry for an index.
  std::string broker() const;
  friend bool operator==(const Channel&, const Channel&) = default;
};

struct PeerAddress {
  Key key{};
  std::vector<std::uint16_t> ports;    // 1..kMaxPorts listening ports, the first is the node port
  std::vector<Channel> signaling;      // 0..kMaxChannels
  std::vector<Group> groups;           // 0..kMaxGroups, (ifindex, family) unique
  friend bool operator==(const PeerAddress&, const PeerAddress&) = default;
};

// The well-known public MQTT brokers, in index order ("host:port"). Indexes are part of
// the address format: entries are only ever appended.
const std::vector<std::string_view>& public_brokers();
// The channel for a "host:port" broker: its public index when it is on the list.
Result<Channel> channel_for_broker(std::string_view host, std::uint16_t port);

// Parses an address. Errors have code "bad_address" and a message naming the part
// ("group 2 (eth-index 3, ipv6): nic \"fe80::01\" is not a canonical IPv6 address").
Result<PeerAddress> parse(std::string_view text);

// The canonical text of an address. Values the grammar cannot carry (no ports, a port
// 0, a group without NIC addresses, too many items...) are the caller's bug: check with
// validate() first when the value was not built by parse().
std::string serialize(const PeerAddress& address);

// The checks parse() makes, on a value built in code. Empty when valid.
Status validate(const PeerAddress& address);

// Base32 (RFC 4648 alphabet, lowercase, no padding) of a public key, and back (strict:
// lowercase, 52 characters, zero trailing bits). Also used in MQTT topics and /v1/status.
std::string key_to_text(const Key& key);
Result<Key> key_from_text(std::string_view text);

// True when `text` is spelled like an address (starts "p2pd" digits "_"), whether or
// not it parses: resolvers use it to tell addresses from address-book names.
bool looks_like_address(std::string_view text);

// Names used in JSON and docs: "port_restricted_cone", "preserving", "ipv4"...
std::string_view nat_type_name(NatType type);
std::string_view delta_type_name(DeltaType type);
std::string_view family_name(Family family);
Result<NatType> nat_type_from_name(std::string_view name);
Result<DeltaType> delta_type_from_name(std::string_view name);

}  // namespace p2pd::proto::peer
