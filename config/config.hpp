#pragma once
// The daemon's configuration as one struct tree. Defaults come from the embedded
// config/p2pd.json; a file overlays them (names only what it changes). Every unknown
// key and bad value is reported with its path, e.g. `stun.servers[2]: not host:port`.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace p2pd::config {

struct Api {
  std::vector<std::string> listen;   // "HOST:PORT", "[v6]:PORT" or "unix:PATH"
  bool token_required = true;
  std::uint64_t max_body = 16 * 1024 * 1024;
  int threads = 4;                   // HTTP worker threads per listener
  int max_long_polls = 64;           // long polls that may wait at once
  int bridge_timeout_ms = 2000;      // loop must answer a route within this
  int keep_alive_timeout_s = 1;
};

struct Log {
  std::string level = "info";        // trace|debug|info|warn|error|critical|off
};

struct Interfaces {
  std::vector<std::string> include;  // glob patterns on interface names
  std::vector<std::string> exclude;
};

struct Node {
  int port = 0;                      // 0: random, kept in the state directory
  Interfaces interfaces;
};

// Each Binding follows RFC 8489 §6.2.1: sent, resent after rto_ms, 2 x rto_ms, ... (rc
// sends in all), then rm x rto_ms of waiting after the last; the whole request is cut
// at timeout_ms. The filtering tests, whose answer may be silence, end at
// filter_timeout_ms.
struct Stun {
  std::vector<std::string> servers;  // "host:port"
  int timeout_ms = 3000;
  int rto_ms = 500;                  // RTO: the first retransmission timeout
  int rc = 7;                        // Rc: requests sent at most (1 = never resent)
  int rm = 16;                       // Rm: the wait after the last request, in RTOs
  int filter_timeout_ms = 3000;
};

struct TurnServer {
  std::string host;
  int port = 3478;
  std::string transport = "udp";     // udp|tcp|tls
  std::string username;
  std::string password;              // never logged, never shown by the API
  std::string ca_file;               // tls only: absolute path of PEM CAs ("" = system store)
  std::string server_name;           // tls only: the certificate's name ("" = host)
};

struct Turn {
  std::vector<TurnServer> servers;
  int lifetime_s = 600;              // allocation lifetime asked for (the server may cap it)
  int timeout_ms = 10000;            // one TURN transaction, before trying the next server
};

struct Mqtt {
  std::vector<std::string> brokers;  // "host:port"
};

struct Signaling {
  Mqtt mqtt;
};

struct Portmap {
  bool enabled = true;
  bool upnp = true;
  bool natpmp = true;
  bool pcp = true;
  bool pinholes = true;  // IPv6 pinholes through UPnP IGD WANIPv6FirewallControl (needs upnp)
  int lease_s = 3600;
};

// Bounds of pipes (core/pipe/pipe_limits.hpp; docs/API.md "Pipes"). Restart to apply.
struct Pipes {
  int queue_messages = 1024;         // each subscription's queue (and the cap a subscription may ask)
  int queue_bytes = 1024 * 1024;
  int max_pipes = 65536;             // open pipes at once (server pipes and peer pipes included)
  int max_subs = 16;                 // subscriptions per pipe besides "all"
  int send_backlog = 4 * 1024 * 1024;// unsent bytes a pipe holds before a send answers "busy"
  int max_udp_senders = 4096;        // sender pipes one UDP server socket makes; more are ignored
  int connect_timeout_ms = 5000;     // opening a TCP pipe
  int relay_buffer = 1024 * 1024;    // a forward/tunnel side buffering this much pauses the other
};

struct Config {
  Api api;
  Log log;
  Node node;
  Stun stun;
  Turn turn;
  Signaling signaling;
  Portmap portmap;
  Pipes pipes;
};

// One problem found while loading: `path` is like "api.listen[1]" ("" for the root).
struct ConfigError {
  std::string path;
  std::string message;
  std::string to_string() const;   // "api.listen[1]: not an endpoint"
};

struct LoadResult {
  Config config;                     // valid only when errors is empty
  std::vector<ConfigError> errors;   // every problem, not just the first
  bool ok() const { return errors.empty(); }
};

// Parses `overlay_text` (a JSON object; empty string = no overlay), merges it over the
// embedded defaults and validates the result. `source` names the overlay in errors.
LoadResult load_from_string(std::string_view overlay_text, std::string_view source = "config");

// Reads and loads a file. A missing or unreadable file is one error with path "".
LoadResult load_from_file(const std::string& file_path);

// The embedded defaults alone (always valid; a unit test proves it).
Config defaults();

// The effective config as JSON with secrets (TURN passwords) replaced by "***".
nlohmann::json to_redacted_json(const Config& config);

// Re-checks a Config built or changed in code (e.g. after --api-listen/--log-level
// overrides) with the same rules and paths as the loader. Empty when valid.
std::vector<ConfigError> validate(const Config& config);

// The settings that differ between two configs, sorted, as dotted paths down to the
// first non-object value: "api.listen", "log.level", "node.interfaces.include",
// "turn.servers" (a changed password shows only as "turn.servers"). For SIGHUP.
std::vector<std::string> changed_paths(const Config& before, const Config& after);

// True for the paths a running daemon applies at once on SIGHUP: "log.level" and the
// server lists "stun.servers", "turn.servers", "signaling.mqtt.brokers", and
// "turn.lifetime_s", "turn.timeout_ms" (for new allocations). Any other
// changed path needs a restart (the daemon logs its name).
bool applies_without_restart(std::string_view path);

}  // namespace p2pd::config
