// bind_socket: local syscalls only; the one datagram sent goes to our own loopback socket.
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "core/net/interfaces.hpp"
#include "core/net/socket_bind.hpp"

using namespace p2pd::net;

namespace {

Endpoint ep(const char* text) {
  auto e = Endpoint::parse(text);
  REQUIRE(e);
  return *e;
}

int get_int(int fd, int level, int name) {
  int v = -1;
  socklen_t len = sizeof v;
  REQUIRE(::getsockopt(fd, level, name, &v, &len) == 0);
  return v;
}

// Closes the fd at the end of a test.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void check_common(int fd) {
  CHECK((::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
  CHECK((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
  auto local = local_endpoint(fd);
  REQUIRE(local);
  CHECK(local->port != 0);
}

bool ipv6_loopback_available() {
  auto snap = read_snapshot();
  if (!snap) return false;
  auto one = IpAddress::parse("::1");
  for (const auto& i : snap->interfaces) {
    for (const auto& a : i.addresses) {
      if (a.address == *one) return true;
    }
  }
  return false;
}

bool nonlocal_bind_allowed() {
  std::ifstream in("/proc/sys/net/ipv4/ip_nonlocal_bind");
  int v = 0;
  return (in >> v) && v != 0;
}

}  // namespace

TEST_CASE("bind_socket: UDP on 127.0.0.1:0 gives a working socket", "[net]") {
  auto r = bind_socket(ep("127.0.0.1:0"));
  REQUIRE(r);
  Fd sock{*r};
  check_common(sock.fd);
  CHECK(get_int(sock.fd, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM);

  // A datagram to itself comes back.
  auto local = local_endpoint(sock.fd);
  REQUIRE(local);
  CHECK(local->address.to_string() == "127.0.0.1");
  sockaddr_storage to{};
  socklen_t len = local->to_sockaddr(to);
  const char msg[] = "ping";
  REQUIRE(::sendto(sock.fd, msg, 4, 0, reinterpret_cast<sockaddr*>(&to), len) == 4);
  pollfd p{sock.fd, POLLIN, 0};
  REQUIRE(::poll(&p, 1, 1000) == 1);
  char buf[16] = {};
  CHECK(::recv(sock.fd, buf, sizeof buf, 0) == 4);
  CHECK(std::string(buf) == "ping");
}

TEST_CASE("bind_socket: TCP on 127.0.0.1:0 with SO_REUSEADDR can listen", "[net]") {
  auto r = bind_socket(ep("127.0.0.1:0"), {SocketType::tcp, "", false});
  REQUIRE(r);
  Fd sock{*r};
  check_common(sock.fd);
  CHECK(get_int(sock.fd, SOL_SOCKET, SO_TYPE) == SOCK_STREAM);
  CHECK(get_int(sock.fd, SOL_SOCKET, SO_REUSEADDR) == 1);
  CHECK(::listen(sock.fd, 4) == 0);

  SECTION("the same port again fails with address_in_use") {
    auto port = local_endpoint(sock.fd)->port;
    Endpoint same = ep("127.0.0.1:0");
    same.port = port;
    auto again = bind_socket(same, {SocketType::tcp, "", false});
    REQUIRE_FALSE(again);
    CHECK(again.error().code == "address_in_use");
    CHECK(again.error().message == "bind 127.0.0.1:" + std::to_string(port) + ": Address already in use");
  }
}

TEST_CASE("bind_socket: SO_REUSEPORT lets two TCP sockets share a port", "[net]") {
  BindOptions shared{SocketType::tcp, "", true};
  auto first = bind_socket(ep("127.0.0.1:0"), shared);
  REQUIRE(first);
  Fd a{*first};
  CHECK(get_int(a.fd, SOL_SOCKET, SO_REUSEPORT) == 1);
  Endpoint same = *local_endpoint(a.fd);
  auto second = bind_socket(same, shared);
  REQUIRE(second);
  Fd b{*second};
  CHECK(local_endpoint(b.fd)->port == same.port);
}

TEST_CASE("bind_socket: [::1]:0 is IPv6-only", "[net]") {
  if (!ipv6_loopback_available()) {
    WARN("skipped: no ::1 here");
    return;
  }
  for (auto type : {SocketType::udp, SocketType::tcp}) {
    auto r = bind_socket(ep("[::1]:0"), {type, "", false});
    REQUIRE(r);
    Fd sock{*r};
    check_common(sock.fd);
    CHECK(get_int(sock.fd, IPPROTO_IPV6, IPV6_V6ONLY) == 1);
    CHECK(local_endpoint(sock.fd)->address.to_string() == "::1");
  }
}

TEST_CASE("bind_socket: an address not on this machine fails clearly", "[net]") {
  if (nonlocal_bind_allowed()) {
    WARN("skipped: net.ipv4.ip_nonlocal_bind is on");
    return;
  }
  // 192.0.2.0/24 is documentation space (RFC 5737); binding sends nothing.
  auto snap = read_snapshot();
  REQUIRE(snap);
  for (const auto& i : snap->interfaces) {
    for (const auto& a : i.addresses) REQUIRE(a.address.to_string() != "192.0.2.123");
  }
  for (auto type : {SocketType::udp, SocketType::tcp}) {
    auto r = bind_socket(ep("192.0.2.123:0"), {type, "", false});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "address_unavailable");
    CHECK(r.error().message == "bind 192.0.2.123:0: Cannot assign requested address");
  }
}

TEST_CASE("bind_socket: link-local IPv6 needs and uses a scope id", "[net]") {
  auto r = bind_socket(ep("[fe80::1]:0"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "bad_request");
  CHECK(r.error().message.find("scope id") != std::string::npos);

  // Bind to a real link-local address of this machine, if there is a usable one.
  auto snap = read_snapshot();
  REQUIRE(snap);
  for (const auto& i : snap->interfaces) {
    for (const auto& a : i.addresses) {
      if (a.scope != AddressScope::link_local || a.address.family != Family::v6) continue;
      if (a.flags.tentative || a.flags.dad_failed || !i.flags.usable()) continue;
      Endpoint local{a.address, 0};
      auto bound = bind_socket(local);
      INFO(local.to_string());
      REQUIRE(bound);
      Fd sock{*bound};
      auto got = local_endpoint(sock.fd);
      REQUIRE(got);
      CHECK(got->address.scope_id == i.index);
      CHECK(got->port != 0);

      // Without a scope but with the device, the device supplies it.
      Endpoint unscoped = local;
      unscoped.address.scope_id = 0;
      auto by_device = bind_socket(unscoped, {SocketType::udp, i.name, false});
      REQUIRE(by_device);
      Fd dev{*by_device};
      CHECK(local_endpoint(dev.fd)->address.scope_id == i.index);
      return;
    }
  }
  WARN("no usable IPv6 link-local address here: scoped bind not tested");
}

TEST_CASE("bind_socket: SO_BINDTODEVICE", "[net]") {
  auto snap = read_snapshot();
  REQUIRE(snap);
  const Interface* lo = nullptr;
  for (const auto& i : snap->interfaces) {
    if (i.flags.loopback) lo = &i;
  }
  REQUIRE(lo);
  auto r = bind_socket(ep("127.0.0.1:0"), {SocketType::udp, lo->name, false});
  REQUIRE(r);
  Fd sock{*r};
  char name[IF_NAMESIZE + 1] = {};
  socklen_t len = sizeof name;
  REQUIRE(::getsockopt(sock.fd, SOL_SOCKET, SO_BINDTODEVICE, name, &len) == 0);
  CHECK(std::string(name) == lo->name);

  auto missing = bind_socket(ep("127.0.0.1:0"), {SocketType::udp, "nosuchif9", false});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == "no_such_interface");
  CHECK(missing.error().message == "bind 127.0.0.1:0 to device nosuchif9: No such device");

  auto too_long = bind_socket(ep("127.0.0.1:0"), {SocketType::udp, std::string(40, 'x'), false});
  REQUIRE_FALSE(too_long);
  CHECK(too_long.error().code == "no_such_interface");
}
