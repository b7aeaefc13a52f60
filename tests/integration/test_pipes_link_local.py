"""Pipes and servers over IPv6 link-local addresses, against the real daemon in a network
namespace: two namespaces joined by a veth pair with fe80:: addresses (no DAD), the
daemon in one (its API on its unix socket only), python peers (netns_peer.py) in the
other. A server listening on fe80::a%<if> takes a TCP connection and a UDP sender from
the other side and answers both; client pipes to fe80::b%<if> (TCP and UDP) reach echo
servers there; a server on the interface listens on its link-local address. Scopes appear in the API's addresses. Needs root and `ip netns`
(else skipped); the namespaces are deleted even when a test fails."""
import os
import subprocess
import sys
import threading
import unittest

from p2pd_harness import Daemon, main
from pipe_client import wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "netns_peer.py")
TAG = "pll%d" % (os.getpid() % 100000)
NS_D, NS_P = TAG + "d", TAG + "p"       # the daemon's namespace, the peers' one
IF_D, IF_P = TAG + "d0", TAG + "p0"     # the veth ends
ADDR_D, ADDR_P = "fe80::a", "fe80::b"


def ip(*args, check=True):
    return subprocess.run(["ip"] + list(args), capture_output=True, text=True, check=check)


def netns_usable():
    if os.geteuid() != 0:
        return False
    try:
        ip("netns", "add", TAG + "probe")
    except (OSError, subprocess.CalledProcessError):
        return False
    ip("netns", "delete", TAG + "probe", check=False)
    return True


def lab_up():
    ip("netns", "add", NS_D)
    ip("netns", "add", NS_P)
    ip("-n", NS_D, "link", "add", IF_D, "type", "veth", "peer", "name", IF_P, "netns", NS_P)
    for ns, dev, addr in ((NS_D, IF_D, ADDR_D), (NS_P, IF_P, ADDR_P)):
        ip("-n", ns, "link", "set", "lo", "up")
        # Our own link-local address only: no kernel-made EUI-64 one, no DAD wait.
        ip("netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.%s.addr_gen_mode=1" % dev)
        ip("-n", ns, "addr", "add", addr + "/64", "dev", dev, "nodad")
        ip("-n", ns, "link", "set", dev, "up")


def lab_down():
    for ns in (NS_D, NS_P):
        ip("netns", "delete", ns, check=False)


@unittest.skipUnless(netns_usable(), "needs root and a usable `ip netns`")
class PipesLinkLocal(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.children = []
        lab_up()
        try:
            cls.d = Daemon(listen=["unix:api.sock"], prefix=["ip", "netns", "exec", NS_D]).start()
        except Exception:
            lab_down()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            for c in cls.children:
                c.kill()
                c.wait()
                c.stdout.close()
            cls.d.close()
        finally:
            lab_down()

    def api(self, method, path, body=None, **kw):
        return self.d.request(method, path, body=body, via="unix", **kw)

    def in_peer_ns(self, *args):
        return ["ip", "netns", "exec", NS_P, sys.executable, PEER] + list(args)

    def peer_echo(self, proto):
        """An echo server on [fe80::b%IF_P]:port in the peers' namespace; returns the port."""
        child = subprocess.Popen(self.in_peer_ns("echo", proto, "%s%%%s" % (ADDR_P, IF_P)),
                                 stdout=subprocess.PIPE, text=True)
        self.children.append(child)
        return int(child.stdout.readline())

    def peer_client(self, proto, port, text):
        """Sends `text` to the daemon's [fe80::a%IF_P]:port from the peers' namespace;
        returns the first answer."""
        out = subprocess.run(self.in_peer_ns("client", proto, "%s%%%s" % (ADDR_D, IF_P), str(port), text),
                             capture_output=True, text=True, timeout=20)
        self.assertEqual(out.returncode, 0, out.stderr)
        return bytes.fromhex(out.stdout.strip())

    def recv_text(self, pipe):
        r = self.api("GET", "/v1/pipes/%s/recv?timeout_ms=5000" % pipe, timeout=15)
        self.assertEqual(r.status, 200, r.body)
        return r.json()

    def test_server_on_a_link_local_address(self):
        r = self.api("POST", "/v1/servers", {"name": "ll", "addresses": ["%s%%%s" % (ADDR_D, IF_D)],
                                             "protos": ["tcp", "udp"]})
        self.assertEqual(r.status, 201, r.body)
        server = r.json()["server"]
        self.assertEqual(len(server["listeners"]), 2, server)
        for l in server["listeners"]:
            self.assertEqual(l["local"], "[%s%%%s]:%d" % (ADDR_D, IF_D, l["port"]), l)
        ports = {l["proto"]: l["port"] for l in server["listeners"]}
        # The server answers what each client sends: the pipe is <server>.<n>, the
        # client's address carries the scope.
        for proto in ("tcp", "udp"):
            result = {}
            client = threading.Thread(target=lambda: result.update(
                got=self.peer_client(proto, ports[proto], "hello over %s" % proto)))
            client.start()
            pipe = wait_for(lambda: [p for p in self.api("GET", "/v1/pipes").json()["pipes"]
                                     if p["server"] == "ll" and p["proto"] == proto], timeout=10)
            self.assertEqual(len(pipe), 1, pipe)
            pipe = pipe[0]
            self.assertTrue(pipe["remote"].startswith("[%s%%%s]:" % (ADDR_P, IF_D)), pipe)
            m = self.recv_text(pipe["name"])
            self.assertEqual(m["text"], "hello over %s" % proto)
            r = self.api("POST", "/v1/pipes/%s/send" % pipe["name"], {"text": "answer over " + proto})
            self.assertEqual(r.status, 200, r.body)
            client.join(20)
            self.assertEqual(result.get("got"), ("answer over " + proto).encode())
        r = self.api("DELETE", "/v1/servers/ll")
        self.assertEqual(r.status, 200, r.body)

    def test_client_pipes_to_a_link_local_address(self):
        for proto in ("tcp", "udp"):
            port = self.peer_echo(proto)
            name = "to-b-" + proto
            r = self.api("POST", "/v1/pipes", {"name": name, "host": "%s%%%s" % (ADDR_P, IF_D),
                                               "port": port, "proto": proto})
            self.assertEqual(r.status, 201, r.body)
            pipe = r.json()["pipe"]
            self.assertEqual(pipe["remote"], "[%s%%%s]:%d" % (ADDR_P, IF_D, port), pipe)
            if proto == "tcp":  # (a UDP client pipe's socket is bound to the wildcard)
                self.assertTrue(pipe["local"].startswith("[%s%%%s]:" % (ADDR_D, IF_D)), pipe)
            r = self.api("POST", "/v1/pipes/%s/send" % name, {"text": "ping " + proto})
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(self.recv_text(name)["text"], "echo:ping " + proto)
            r = self.api("DELETE", "/v1/pipes/" + name)
            self.assertEqual(r.status, 200, r.body)

    def test_server_on_an_interface_includes_its_link_local_address(self):
        r = self.api("POST", "/v1/servers", {"name": "llif", "interfaces": [IF_D], "families": ["ipv6"]})
        self.assertEqual(r.status, 201, r.body)
        listeners = r.json()["server"]["listeners"]
        self.assertEqual([(l["interface"], l["local"].rsplit(":", 1)[0]) for l in listeners],
                         [(IF_D, "[%s%%%s]" % (ADDR_D, IF_D))], listeners)
        self.assertEqual(self.peer_client("tcp", listeners[0]["port"], "long_p2pd_test_string_abcd123\n"),
                         b"p2pd test string\r\n\r\n")  # the server's default answer
        self.assertEqual(self.api("DELETE", "/v1/servers/llif").status, 200)

    def test_a_link_local_address_needs_its_scope(self):
        r = self.api("POST", "/v1/pipes", {"name": "noscope", "host": ADDR_P, "port": 9, "proto": "udp"})
        self.assertEqual(r.status, 400, r.body)
        r = self.api("POST", "/v1/pipes", {"name": "badscope", "host": ADDR_P + "%nosuchif0", "port": 9})
        self.assertEqual((r.status, r.json()["error"]), (502, "unreachable"), r.body)  # no such scope
        self.assertEqual(self.api("GET", "/v1/pipes").json()["pipes"], [])


if __name__ == "__main__":
    main()
