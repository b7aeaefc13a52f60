"""/v1/servers against the real daemon: one call listening on IPv4 and IPv6 loopback
over TCP and UDP with port 0 (the chosen ports reported), accepted TCP connections and
100 UDP senders demultiplexed into pipes "<server>.<n>", idle UDP sender pipes
expiring, DELETE closing the server's pipes, and the errors bad input gets."""
import socket
import time

from p2pd_harness import Daemon, DaemonTestCase, ipv6_loopback_available, main
from pipe_client import wait_for


class ServersApi(DaemonTestCase):
    def start(self, expect=201, **body):
        r = self.d.request("POST", "/v1/servers", body=body)
        self.assertEqual(r.status, expect, r.body)
        return r.json().get("server", r.json())

    def stop(self, name):
        r = self.d.request("DELETE", "/v1/servers/" + name)
        self.assertEqual(r.status, 200, r.body)
        return r.json()

    def server_pipes(self, name):
        return [p for p in self.d.get("/v1/pipes").json()["pipes"] if p["server"] == name]

    def recv(self, pipe, timeout_ms=3000):
        r = self.d.get("/v1/pipes/%s/recv?timeout_ms=%d" % (pipe, timeout_ms), timeout=timeout_ms / 1000 + 10)
        self.assertEqual(r.status, 200, r.body)
        return r.json()

    def test_families_x_protocols_port_zero(self):
        families = ["ipv4", "ipv6"] if ipv6_loopback_available() else ["ipv4"]
        s = self.start(name="multi", protos=["tcp", "udp"], families=families)
        self.assertEqual(len(s["listeners"]), 2 * len(families), s)
        locals_ = {(l["proto"], l["local"].rsplit(":", 1)[0]) for l in s["listeners"]}
        self.assertIn(("tcp", "127.0.0.1"), locals_)
        self.assertIn(("udp", "127.0.0.1"), locals_)
        if "ipv6" in families:
            self.assertIn(("tcp", "[::1]"), locals_)
        for l in s["listeners"]:
            self.assertNotEqual(l["port"], 0)
            self.assertTrue(l["local"].endswith(":%d" % l["port"]))
        self.assertEqual(sorted(s["ports"]), sorted({l["port"] for l in s["listeners"]}))
        # Every listener takes connections / datagrams at the port it reports.
        for l in s["listeners"]:
            host = l["local"].rsplit(":", 1)[0].strip("[]")
            fam = socket.AF_INET6 if ":" in host else socket.AF_INET
            if l["proto"] == "tcp":
                with socket.create_connection((host, l["port"]), timeout=3) as c:
                    c.sendall(b"hi " + l["local"].encode())
                    pipes = wait_for(lambda: [p for p in self.server_pipes("multi") if p["proto"] == "tcp"
                                              and p["local"] == l["local"]])
                    self.assertEqual(len(pipes), 1, pipes)
                    self.assertEqual(self.recv(pipes[0]["name"])["text"], "hi " + l["local"])
            else:
                with socket.socket(fam, socket.SOCK_DGRAM) as u:
                    u.sendto(b"dgram", (host, l["port"]))
                    self.assertTrue(wait_for(lambda: [p for p in self.server_pipes("multi")
                                                      if p["proto"] == "udp" and p["local"] == l["local"]]))
        listed = [x["name"] for x in self.d.get("/v1/servers").json()["servers"]]
        self.assertIn("multi", listed)
        self.stop("multi")

    def test_tcp_accepts_become_pipes_both_ways(self):
        s = self.start(name="acc", families=["ipv4"])
        port = s["ports"][0]
        clients = [socket.create_connection(("127.0.0.1", port), timeout=3) for _ in range(3)]
        try:
            pipes = wait_for(lambda: len(self.server_pipes("acc")) == 3 and self.server_pipes("acc"))
            self.assertEqual(sorted(p["name"] for p in pipes), ["acc.1", "acc.2", "acc.3"])
            by_remote = {p["remote"]: p["name"] for p in pipes}
            for i, c in enumerate(clients):
                name = by_remote["127.0.0.1:%d" % c.getsockname()[1]]
                c.sendall(b"from client %d" % i)
                self.assertEqual(self.recv(name)["text"], "from client %d" % i)
                r = self.d.request("POST", "/v1/pipes/%s/send" % name, body={"text": "to client %d" % i})
                self.assertEqual(r.status, 200, r.body)
                self.assertEqual(c.recv(100), b"to client %d" % i)
            info = self.d.get("/v1/servers/acc").json()["server"]
            self.assertEqual(info["accepted"], 3)
            self.assertEqual(sorted(info["pipes"]), ["acc.1", "acc.2", "acc.3"])
            # A pipe may not take a server's child name.
            r = self.d.request("POST", "/v1/pipes", body={"name": "acc.9", "host": "127.0.0.1", "port": port})
            self.assertEqual((r.status, r.json()["error"]), (400, "reserved_name"), r.body)
            # DELETE closes the server's pipes: the clients see EOF.
            out = self.stop("acc")
            self.assertEqual(sorted(out["closed_pipes"]), ["acc.1", "acc.2", "acc.3"])
            for c in clients:
                c.settimeout(3)
                self.assertEqual(c.recv(100), b"")
            self.assertEqual(self.d.get("/v1/pipes/acc.1").status, 404)
            self.assertEqual(self.d.get("/v1/servers/acc").status, 404)
            with self.assertRaises(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
        finally:
            for c in clients:
                c.close()

    def test_hundred_udp_senders_demultiplexed(self):
        s = self.start(name="dm", protos=["udp"], families=["ipv4"])
        port = s["ports"][0]
        senders = []
        try:
            for i in range(100):
                u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                u.bind(("127.0.0.1", 0))
                u.settimeout(3)
                senders.append(u)
            for i, u in enumerate(senders):
                u.sendto(b"sender %d first" % i, ("127.0.0.1", port))
            for i, u in enumerate(senders):
                u.sendto(b"sender %d second" % i, ("127.0.0.1", port))
            pipes = wait_for(lambda: len(self.server_pipes("dm")) == 100 and self.server_pipes("dm"), timeout=10)
            self.assertTrue(pipes, "expected 100 sender pipes, have %d" % len(self.server_pipes("dm")))
            by_remote = {p["remote"]: p["name"] for p in pipes}
            self.assertEqual(len(by_remote), 100)
            for i, u in enumerate(senders):
                name = by_remote["127.0.0.1:%d" % u.getsockname()[1]]
                first, second = self.recv(name), self.recv(name)
                self.assertEqual((first["text"], second["text"]), ("sender %d first" % i, "sender %d second" % i))
                self.assertEqual(first["from"], "127.0.0.1:%d" % u.getsockname()[1])
                r = self.d.request("POST", "/v1/pipes/%s/send" % name, body={"text": "reply %d" % i})
                self.assertEqual(r.status, 200, r.body)
            for i, u in enumerate(senders):
                data, addr = u.recvfrom(100)
                self.assertEqual((data, addr[1]), (b"reply %d" % i, port))
            self.assertEqual(self.d.get("/v1/servers/dm").json()["server"]["udp_senders"], 100)
            self.stop("dm")
            self.assertEqual(self.server_pipes("dm"), [])
        finally:
            for u in senders:
                u.close()

    def test_idle_udp_sender_pipes_expire(self):
        s = self.start(name="idle", protos=["udp"], families=["ipv4"], udp_idle_ms=300)
        self.assertEqual(s["udp_idle_ms"], 300)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.sendto(b"hello", ("127.0.0.1", s["ports"][0]))
            self.assertTrue(wait_for(lambda: self.server_pipes("idle")))
            t0 = time.monotonic()
            self.assertTrue(wait_for(lambda: not self.server_pipes("idle"), timeout=5))
            self.assertLess(time.monotonic() - t0, 3)
            self.assertEqual(self.d.get("/v1/servers/idle").json()["server"]["expired"], 1)
            # The sender comes back: a new pipe with the next number.
            u.sendto(b"again", ("127.0.0.1", s["ports"][0]))
            pipes = wait_for(lambda: self.server_pipes("idle"))
            self.assertEqual([p["name"] for p in pipes], ["idle.2"])
        self.stop("idle")

    def test_interface_lo(self):
        s = self.start(name="onlo", interfaces=["lo"], families=["ipv4"])
        self.assertEqual([(l["local"].rsplit(":", 1)[0], l["interface"]) for l in s["listeners"]],
                         [("127.0.0.1", "lo")])
        self.stop("onlo")

    def test_errors(self):
        s = self.start(name="dup", families=["ipv4"])
        r = self.d.request("POST", "/v1/servers", body={"name": "dup"})
        self.assertEqual((r.status, r.json()["error"]), (409, "conflict"), r.body)
        r = self.d.request("POST", "/v1/servers", body={"name": "clash", "families": ["ipv4"], "port": s["ports"][0]})
        self.assertEqual((r.status, r.json()["error"]), (409, "address_in_use"), r.body)
        self.stop("dup")
        for body, slug, status in [
            ({}, "bad_request", 400),
            ({"name": "x", "colour": "red"}, "bad_request", 400),
            ({"name": "x", "protos": ["sctp"]}, "bad_request", 400),
            ({"name": "bad name"}, "bad_request", 400),
            ({"name": "x", "interfaces": ["nosuchnic0"]}, "no_such_interface", 404),
            ({"name": "x", "addresses": ["not-an-ip"]}, "bad_request", 400),
        ]:
            r = self.d.request("POST", "/v1/servers", body=body)
            self.assertEqual((r.status, r.json()["error"]), (status, slug), (body, r.body))
            self.assertIn("message", r.json())
        self.assertEqual(self.d.get("/v1/servers/never").status, 404)
        self.assertEqual(self.d.request("DELETE", "/v1/servers/never").status, 404)


if __name__ == "__main__":
    main()
