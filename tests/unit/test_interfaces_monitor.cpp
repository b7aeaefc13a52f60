// NetlinkMonitor. Nothing here changes the network of the namespace the tests run in:
// change detection is tested in a fresh network namespace owned by a forked child.
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <string>

#include "core/net/interfaces.hpp"
#include "core/net/interfaces_diff.hpp"
#include "core/net/netlink_monitor.hpp"

using namespace p2pd::net;

namespace {

constexpr int kSkipped = 77;

// The child reports the first failed step on a pipe and exits non-zero.
[[noreturn]] void child_fail(int out, const std::string& why) {
  (void)!::write(out, why.data(), why.size());
  ::_exit(1);
}

bool set_lo_up(std::string& err) {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return err = "socket", false;
  ifreq req{};
  std::strcpy(req.ifr_name, "lo");
  bool ok = ::ioctl(s, SIOCGIFFLAGS, &req) == 0;
  req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
  ok = ok && ::ioctl(s, SIOCSIFFLAGS, &req) == 0;
  if (!ok) err = std::string("SIOCSIFFLAGS: ") + std::strerror(errno);
  ::close(s);
  return ok;
}

// "ip route add default dev lo" through the old ioctl: enough for a test route.
bool add_default_via_lo(std::string& err) {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return err = "socket", false;
  rtentry rt{};
  auto* any = reinterpret_cast<sockaddr_in*>(&rt.rt_dst);
  any->sin_family = AF_INET;
  reinterpret_cast<sockaddr_in*>(&rt.rt_genmask)->sin_family = AF_INET;
  rt.rt_flags = RTF_UP;
  char dev[] = "lo";
  rt.rt_dev = dev;
  bool ok = ::ioctl(s, SIOCADDRT, &rt) == 0;
  if (!ok) err = std::string("SIOCADDRT: ") + std::strerror(errno);
  ::close(s);
  return ok;
}

bool has_change(const std::vector<NetChange>& changes, NetChange::Kind kind, const char* iface) {
  return std::any_of(changes.begin(), changes.end(),
                     [&](const NetChange& c) { return c.kind == kind && c.interface == iface; });
}

// Runs in the forked child, inside its own network namespace.
[[noreturn]] void namespace_child(int out) {
  if (::unshare(CLONE_NEWNET) != 0) ::_exit(kSkipped);
  auto mon = NetlinkMonitor::open();
  if (!mon) child_fail(out, "open: " + mon.error().message);
  if (mon->drain()) child_fail(out, "drain() true on a quiet new namespace");

  auto before = read_snapshot();
  if (!before) child_fail(out, "snapshot: " + before.error().message);
  const Interface* lo = before->find("lo");
  if (!lo || lo->flags.up) child_fail(out, "a new namespace should have lo, down");

  std::string err;
  if (!set_lo_up(err)) child_fail(out, err);
  if (!mon->drain()) child_fail(out, "drain() missed lo going up");

  auto after = read_snapshot();
  if (!after) child_fail(out, "snapshot: " + after.error().message);
  lo = after->find("lo");
  if (!lo || !lo->flags.usable()) child_fail(out, "lo not up and running");
  bool has_127 = std::any_of(lo->addresses.begin(), lo->addresses.end(), [](const InterfaceAddress& a) {
    return a.address.family == Family::v4 && a.address.bytes[0] == 127 && a.prefix == 8 &&
           a.scope == AddressScope::loopback;
  });
  if (!has_127) child_fail(out, "lo has no 127.0.0.1/8 after going up");
  auto changes = diff(*before, *after);
  if (!has_change(changes, NetChange::Kind::interface_up, "lo")) child_fail(out, "diff: no interface_up lo");
  if (!has_change(changes, NetChange::Kind::address_added, "lo")) child_fail(out, "diff: no address_added lo");
  if (after->default_v4) child_fail(out, "a default route in a new namespace");

  if (!add_default_via_lo(err)) child_fail(out, err);
  if (!mon->drain()) child_fail(out, "drain() missed the new default route");
  auto routed = read_snapshot();
  if (!routed) child_fail(out, "snapshot: " + routed.error().message);
  if (!routed->default_v4 || routed->default_v4->interface != "lo" || routed->default_v4->gateway) {
    child_fail(out, "default route via lo not found");
  }
  if (!routed->find("lo")->is_default_v4) child_fail(out, "lo not marked is_default_v4");
  if (!has_change(diff(*after, *routed), NetChange::Kind::default_route_changed, "lo")) {
    child_fail(out, "diff: no default_route_changed");
  }
  ::_exit(0);
}

}  // namespace

TEST_CASE("NetlinkMonitor: non-blocking fd, drain returns at once", "[net]") {
  auto mon = NetlinkMonitor::open();
  REQUIRE(mon);
  int fd = mon->fd();
  REQUIRE(fd >= 0);
  CHECK((::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
  CHECK((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);

  auto start = std::chrono::steady_clock::now();
  bool changed = mon->drain();
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(took < std::chrono::milliseconds(200));
  // Something else on this machine may change its network right now; only a fresh
  // namespace (below) is guaranteed quiet.
  if (changed) WARN("a network change arrived during the test");

  SECTION("moving keeps one owner of the fd") {
    NetlinkMonitor moved = std::move(*mon);
    CHECK(moved.fd() == fd);
    CHECK(mon->fd() == -1);
  }
}

TEST_CASE("NetlinkMonitor sees changes in a private network namespace", "[net]") {
  if (::geteuid() != 0) {
    WARN("skipped: needs root for unshare(CLONE_NEWNET)");
    return;
  }
  int pipefd[2];
  REQUIRE(::pipe2(pipefd, O_CLOEXEC) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(pipefd[0]);
    namespace_child(pipefd[1]);
  }
  ::close(pipefd[1]);
  std::string why;
  char buf[256];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) why.append(buf, static_cast<std::size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == kSkipped) {
    WARN("skipped: unshare(CLONE_NEWNET) not permitted here");
    return;
  }
  INFO(why);
  CHECK(WEXITSTATUS(status) == 0);
}
