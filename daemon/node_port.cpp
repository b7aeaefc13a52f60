#include "daemon/node_port.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <sstream>

#include <sodium.h>

#include "daemon/state_dir.hpp"

namespace p2pd::daemon {

namespace {

constexpr std::uint32_t kFirstPort = 20000;
constexpr std::uint32_t kPortSpan = 40000;
constexpr int kAttempts = 64;

// Can a socket of `type` bind this port on the IPv4 wildcard (and the IPv6 one, where
// the host has IPv6)?
bool free_for(int type, std::uint16_t port) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  if (!ok) return false;
  int fd6 = ::socket(AF_INET6, type | SOCK_CLOEXEC, 0);
  if (fd6 < 0) return true;  // no IPv6 here
  int one = 1;
  ::setsockopt(fd6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  sockaddr_in6 a6{};
  a6.sin6_family = AF_INET6;
  a6.sin6_port = htons(port);
  ok = ::bind(fd6, reinterpret_cast<sockaddr*>(&a6), sizeof a6) == 0 || errno == EADDRNOTAVAIL;
  ::close(fd6);
  return ok;
}

}  // namespace

Result<NodePort> resolve_node_port(const std::string& state_dir, int configured) {
  if (configured > 0 && configured <= 65535) return NodePort{static_cast<std::uint16_t>(configured), "config"};

  const std::string path = state_dir + "/node.port";
  std::ifstream in(path);
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535)
      return Error{"node_port", path + ": not a port number (remove the file to pick a new port)"};
    return NodePort{static_cast<std::uint16_t>(value), "state"};
  }

  for (int i = 0; i < kAttempts; ++i) {
    auto port = static_cast<std::uint16_t>(kFirstPort + randombytes_uniform(kPortSpan));
    if (!free_for(SOCK_DGRAM, port) || !free_for(SOCK_STREAM, port)) continue;
    if (auto w = write_file_atomically(path, std::to_string(port) + "\n", 0600); !w.ok()) return w.error();
    return NodePort{port, "chosen"};
  }
  return Error{"node_port", "no free port found for UDP and TCP in 20000-59999"};
}

}  // namespace p2pd::daemon
