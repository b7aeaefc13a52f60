"""Forcing the path of a peer session: POST /v1/pipes {"to","path"}, GET /open/<c>/<to>?path=
and POST /v1/sessions {"path"} between two real daemons on this host. Over UDP and over TCP,
each daemon opens a peer pipe to the other, bytes go both ways, and /v1/pipes/<name> shows
the path used and the one asked for; a forced path gets a session of its own beside the
other kind's; a bad path is 400. Daemons are dialed at 127.0.0.1 only."""
import unittest

from p2pd_harness import Daemon, main
from pipe_client import PipeCalls
from test_peer_sessions import loopback_address

TEST_LINE = "long_p2pd_test_string_abcd123\n"
TEST_ANSWER = "p2pd test string\r\n\r\n"


class PeerPaths(PipeCalls, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.a = Daemon().start()
        cls.b = Daemon().start()
        cls.a_addr = loopback_address(cls.a.get("/v1/addr").json()["addr"])
        cls.b_addr = loopback_address(cls.b.get("/v1/addr").json()["addr"])
        cls.a_id = cls.a.get("/v1/addr").json()["peer_id"]
        cls.b_id = cls.b.get("/v1/addr").json()["peer_id"]

    @classmethod
    def tearDownClass(cls):
        for d in (cls.a, cls.b):
            d.close()

    def exchange(self, opener, opener_id, acceptor, acceptor_id, to, name, path):
        """`opener` opens pipe `name` to `acceptor` over `path`; text both ways; the views."""
        p = self.open_pipe(opener, name, to, path=path)
        try:
            self.assertEqual(p["peer"]["path"], path, p)
            self.assertEqual(p["peer"]["requested_path"], path, p)
            self.assertEqual(p["peer"]["peer_id"], acceptor_id)
            if p["peer"]["candidate"] is not None:  # None: reusing the session the other one dialed
                self.assertTrue(p["peer"]["candidate"].startswith(path + " "), p)
            theirs = self.incoming(acceptor, name)
            self.assertEqual(theirs["peer"]["path"], path, theirs)
            self.assertIsNone(theirs["peer"]["requested_path"])
            self.assertEqual(theirs["peer"]["peer_id"], opener_id)
            self.send(opener, name, "to the acceptor over " + path)
            self.recv_text(acceptor, theirs["name"], "to the acceptor over " + path)
            self.send(acceptor, theirs["name"], "back over " + path)
            self.recv_text(opener, name, "back over " + path)
            self.send(opener, name, TEST_LINE)
            self.recv_text(opener, name, TEST_ANSWER)
            view = opener.get("/v1/pipes/" + name).json()["pipe"]
            self.assertEqual(view["peer"]["path"], path)
            self.assertEqual(view["peer"]["requested_path"], path)
            self.assertEqual(view["peer"]["session"], "open")
            self.assertGreater(view["peer"]["bytes_sent"], 0)
        finally:
            self.close(opener, name)

    def test_pipes_both_ways_over_udp_and_over_tcp(self):
        for path in ("udp", "tcp"):
            with self.subTest(path=path):
                self.exchange(self.a, self.a_id, self.b, self.b_id, self.b_addr, "ab" + path, path)
                self.exchange(self.b, self.b_id, self.a, self.a_id, self.a_addr, "ba" + path, path)
        # Each kind has its own session between the two daemons.
        paths = {s["path"] for s in self.a.get("/v1/sessions").json()["sessions"] if s["peer_id"] == self.b_id}
        self.assertEqual(paths, {"udp", "tcp"})

    def test_open_self_over_each_path(self):
        for path in ("tcp", "udp"):
            with self.subTest(path=path):
                name = "self" + path
                r = self.a.get("/open/%s/self?path=%s" % (name, path), timeout=30)
                self.assertEqual(r.status, 200, r.body)
                info = r.json()
                try:
                    self.assertEqual(info["strategy"], "self")
                    self.assertEqual(info["path"], path)
                    self.assertEqual(info["peer"]["requested_path"], path)
                    self.send(self.a, name, TEST_LINE)
                    self.recv_text(self.a, name, TEST_ANSWER)
                finally:
                    self.close(self.a, name)

    def test_sessions_take_a_path_too(self):
        r = self.a.request("POST", "/v1/sessions", {"to": self.b_addr, "path": "tcp"}, timeout=30)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["session"]["path"], "tcp")
        r = self.a.request("POST", "/v1/sessions", {"to": "self", "path": "udp"}, timeout=30)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["session"]["path"], "udp")

    def test_bad_paths(self):
        for body in ({"name": "w", "to": self.b_addr, "path": "turn"},
                     {"name": "w", "to": self.b_addr, "path": 4}):
            r = self.a.request("POST", "/v1/pipes", body)
            self.assertEqual(r.status, 400, (body, r.body))
            self.assertIn("path", r.json()["message"])
        r = self.a.get("/open/w/self?path=sctp")
        self.assertEqual(r.status, 400, r.body)
        self.assertEqual(r.json()["error"], 5)
        self.assertIn("path", r.json()["msg"])
        r = self.a.request("POST", "/v1/sessions", {"to": "self", "path": "quic"})
        self.assertEqual(r.status, 400, r.body)
        self.assertEqual(self.a.get("/v1/pipes/w").status, 404)


if __name__ == "__main__":
    main()
