"""Peer sessions between real daemons on this host: GET /v1/addr and /addr, POST
/v1/sessions to another daemon (QUIC over the node port, keys pinned both ways), session
reuse, a session to ourselves, and a peer address whose key does not match the daemon
answering at its candidates. Daemons are dialed at 127.0.0.1 only: the tests rewrite the
candidates of the addresses they are given, so no packet goes anywhere but loopback."""
import base64
import os
import time
import unittest

from p2pd_harness import Daemon, main


def loopback_address(addr):
    """The same peer address with one candidate group: 127.0.0.1 (interface 1, IPv4)."""
    parts = addr.split("_")
    return "_".join(parts[:4] + ["1,4,127.0.0.1,,,u,"])


def with_key(addr, key):
    parts = addr.split("_")
    parts[1] = key
    return "_".join(parts)


def random_key_text():
    return base64.b32encode(os.urandom(32)).decode().lower().rstrip("=")


class PeerSessions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.a = Daemon().start()
        cls.b = Daemon().start()

    @classmethod
    def tearDownClass(cls):
        for d in (cls.a, cls.b):
            d.close()

    def addr_of(self, d):
        r = d.get("/v1/addr")
        self.assertEqual(r.status, 200, r.body)
        return r.json()

    def connect(self, d, to, **extra):
        return d.request("POST", "/v1/sessions", dict({"to": to}, **extra), timeout=30)

    def test_own_address(self):
        body = self.addr_of(self.b)
        status = self.b.get("/v1/status").json()
        self.assertEqual(body["peer_id"], status["identity"]["peer_id"])
        self.assertEqual(body["ports"], [status["node"]["port"]])
        self.assertTrue(body["addr"].startswith("p2pd1_" + body["key"] + "_"))
        self.assertEqual(body["length"], len(body["addr"]))
        # Every usable non-loopback interface of the host is a candidate group.
        for g in body["groups"]:
            self.assertNotIn("127.0.0.1", g["nics"])
            self.assertNotIn("::1", g["nics"])
        # The key text is base32 of the 32-byte Ed25519 key.
        self.assertEqual(len(base64.b32decode(body["key"].upper() + "====")), 32)
        p2pd = self.b.get("/addr").json()
        self.assertEqual(p2pd, {"error": 0, "addr": body["addr"]})
        self.assertEqual(status["subsystems"]["peers"]["state"], "ready", status["subsystems"]["peers"])

    def test_connect_to_another_daemon_and_reuse_the_session(self):
        b_addr = loopback_address(self.addr_of(self.b)["addr"])
        a_id = self.addr_of(self.a)["peer_id"]
        b_id = self.addr_of(self.b)["peer_id"]
        r = self.connect(self.a, b_addr)
        self.assertEqual(r.status, 200, r.body)
        s = r.json()["session"]
        self.assertEqual(s["peer_id"], b_id)
        self.assertEqual(s["strategy"], "direct")
        self.assertEqual(s["path"], "udp")  # UDP candidates come first and loopback answers
        self.assertTrue(s["candidate"].startswith("udp 127.0.0.1:"), s)
        self.assertGreater(s["handshake_ms"], 0)
        # The other side sees the same session, inbound, with our identity.
        deadline = time.monotonic() + 5
        while True:
            inbound = [x for x in self.b.get("/v1/sessions").json()["sessions"] if x["peer_id"] == a_id]
            if inbound or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(len(inbound), 1)
        self.assertEqual(inbound[0]["strategy"], "inbound")
        # Connecting again reuses it.
        again = self.connect(self.a, b_addr)
        self.assertEqual(again.status, 200, again.body)
        mine = [x for x in self.a.get("/v1/sessions").json()["sessions"] if x["peer_id"] == b_id]
        self.assertEqual(len(mine), 1)
        self.assertEqual(again.json()["session"]["local"], s["local"])
        inbound = [x for x in self.b.get("/v1/sessions").json()["sessions"] if x["peer_id"] == a_id]
        self.assertEqual(len(inbound), 1)

    def test_connect_to_self(self):
        r = self.connect(self.a, "self")
        self.assertEqual(r.status, 200, r.body)
        s = r.json()["session"]
        self.assertEqual(s["strategy"], "self")
        self.assertEqual(s["peer_id"], self.addr_of(self.a)["peer_id"])
        # Our own address is the same as "self".
        r2 = self.connect(self.a, loopback_address(self.addr_of(self.a)["addr"]))
        self.assertEqual(r2.status, 200, r2.body)
        self.assertEqual(r2.json()["session"]["strategy"], "self")

    def test_a_daemon_with_another_key_is_refused(self):
        wrong = with_key(loopback_address(self.addr_of(self.b)["addr"]), random_key_text())
        start = time.monotonic()
        r = self.connect(self.a, wrong)
        self.assertEqual(r.status, 502, r.body)
        body = r.json()
        self.assertEqual(body["error"], "unreachable")
        self.assertIn("key", body["message"])
        self.assertLess(time.monotonic() - start, 12)

    def test_bad_targets(self):
        for to, why in [("", "peer address"), ("p2pd1_xyz", "key"), ("nobody", "peer address")]:
            r = self.connect(self.a, to)
            self.assertEqual(r.status, 400, (to, r.body))
            self.assertIn(why, r.json()["message"])
        r = self.a.request("POST", "/v1/sessions", {"peer": "x"})
        self.assertEqual(r.status, 400)
        r = self.a.request("POST", "/v1/sessions", b"not json", headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 400)


if __name__ == "__main__":
    main()
