"""Peer pipes between real daemons on this host: GET /open/<c>/self and P2PD's test
string, POST /v1/pipes with "to" to another daemon, bytes both ways, the incoming pipe
"in.<c>.<n>" on the other daemon, "peer" details, errors, both ends forwarded to loopback
ports carrying 1 GiB one way and 4 MiB the other at once (SHA-256 checked), and a reader that stops
reading: the writer is slowed, both daemons' memory stays bounded and nothing is lost; a
half-closed forward stays up while the other direction still carries bytes.
Daemons are dialed at 127.0.0.1 only (peer addresses are rewritten to that candidate)."""
import hashlib
import os
import socket
import time
import unittest

from p2pd_harness import Daemon, main
from pipe_client import PipeCalls, rss_kib, stream_both_ways
from test_peer_sessions import loopback_address, random_key_text, with_key

SANITIZED = os.environ.get("P2PD_SANITIZED", "0") not in ("", "0", "OFF", "FALSE")
BIG = (16 if SANITIZED else 1024) << 20  # 1 GiB: the proof
TEST_LINE = "long_p2pd_test_string_abcd123\n"
TEST_ANSWER = "p2pd test string\r\n\r\n"


class PeerPipes(PipeCalls, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.a = Daemon().start()
        cls.b = Daemon().start()
        cls.b_addr = loopback_address(cls.b.get("/v1/addr").json()["addr"])
        cls.a_id = cls.a.get("/v1/addr").json()["peer_id"]
        cls.b_id = cls.b.get("/v1/addr").json()["peer_id"]

    @classmethod
    def tearDownClass(cls):
        for d in (cls.a, cls.b):
            d.close()

    # -- helpers -------------------------------------------------------------------------
    # -- tests ---------------------------------------------------------------------------
    def test_open_self_answers_the_test_string(self):
        r = self.a.get("/open/x/self", timeout=30)
        self.assertEqual(r.status, 200, r.body)
        info = r.json()
        self.assertEqual(info["error"], 0)
        for key in ("name", "con_name", "fd", "laddr", "raddr", "route", "if", "strategy", "path", "peer"):
            self.assertIn(key, info)
        self.assertEqual(info["name"], "x")
        self.assertEqual(info["strategy"], "self")
        self.assertEqual(info["laddr"][0], "127.0.0.1")
        self.assertEqual(info["route"]["af"], socket.AF_INET)
        self.assertEqual(info["peer"]["peer_id"], self.a_id)
        try:
            self.send(self.a, "x", TEST_LINE)
            self.recv_text(self.a, "x", TEST_ANSWER)
            mine = self.a.get("/v1/pipes/x").json()["pipe"]
            self.assertEqual(mine["proto"], "peer")
            self.assertEqual(mine["peer"]["direction"], "out")
            self.assertEqual(mine["peer"]["session"], "open")
            other = self.incoming(self.a, "x")
            self.assertTrue(other["name"].startswith("in.x."), other)
            self.assertEqual(other["test_strings_answered"], 1)
            # A name in use: P2PD's error 2, HTTP 409.
            r = self.a.get("/open/x/self")
            self.assertEqual(r.status, 409, r.body)
            self.assertEqual(r.json()["error"], 2)
            # Closing one end ends the other.
            self.close(self.a, "x")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                r = self.a.get("/v1/pipes/" + other["name"])
                if r.status == 404 or r.json()["pipe"]["state"] != "open":
                    break
                time.sleep(0.05)
            self.assertTrue(r.status == 404 or r.json()["pipe"]["state"] != "open", r.body)
        finally:
            self.close(self.a, "x")

    def test_pipe_to_another_daemon_both_ways(self):
        p = self.open_pipe(self.a, "ab", self.b_addr)
        try:
            self.assertEqual(p["proto"], "peer")
            self.assertEqual(p["peer"]["peer_id"], self.b_id)
            self.assertEqual(p["peer"]["strategy"], "direct")
            self.assertEqual(p["peer"]["path"], "udp")
            self.assertTrue(p["remote"].startswith("127.0.0.1:"), p)
            theirs = self.incoming(self.b, "ab")
            self.assertEqual(theirs["peer"]["peer_id"], self.a_id)
            self.assertEqual(theirs["peer"]["strategy"], "inbound")
            self.send(self.a, "ab", "hello b")
            self.recv_text(self.b, theirs["name"], "hello b")
            self.send(self.b, theirs["name"], "hello a")
            self.recv_text(self.a, "ab", "hello a")
            # The other daemon answers the test string too (over the network path).
            self.send(self.a, "ab", TEST_LINE)
            self.recv_text(self.a, "ab", TEST_ANSWER)
            # The inspect view shows live session numbers.
            mine = self.a.get("/v1/pipes/ab").json()["pipe"]
            self.assertGreater(mine["peer"]["bytes_sent"], 0)
            self.assertGreaterEqual(mine["peer"]["rtt_ms"], 0)
            # By address-book name, over the same session.
            self.assertIn(self.a.request("PUT", "/v1/peers/bee", {"address": self.b_addr}).status, (200, 201))
            q = self.open_pipe(self.a, "ab2", "bee")
            self.assertEqual(q["peer"]["local"], p["peer"]["local"])
            self.close(self.a, "ab2")
        finally:
            self.a.request("DELETE", "/v1/peers/bee")
            self.close(self.a, "ab")

    def test_errors(self):
        wrong = with_key(self.b_addr, random_key_text())
        r = self.a.request("POST", "/v1/pipes", {"name": "w", "to": wrong}, timeout=30)
        self.assertEqual(r.status, 502, r.body)
        self.assertEqual(r.json()["error"], "unreachable")
        self.assertIn("key", r.json()["message"])
        self.assertEqual(self.a.get("/v1/pipes/w").status, 404)
        r = self.a.get("/open/w/" + wrong, timeout=30)
        self.assertEqual(r.status, 502, r.body)
        self.assertEqual(r.json()["error"], 3)
        r = self.a.get("/open/w/nobody")
        self.assertEqual(r.status, 404, r.body)
        self.assertEqual(r.json()["error"], 5)
        r = self.a.get("/open/self/self")
        self.assertEqual(r.status, 400, r.body)
        self.assertEqual(r.json()["error"], 10)
        for body in ({"name": "w", "to": "self", "host": "127.0.0.1"}, {"to": "self"},
                     {"name": "w", "to": 5}, {"name": "w", "to": "p2pd1_xyz"}):
            r = self.a.request("POST", "/v1/pipes", body)
            self.assertEqual(r.status, 400, (body, r.body))

    def test_forwarded_ends_carry_a_large_stream_both_ways(self):
        self.open_pipe(self.a, "big", self.b_addr)
        try:
            theirs = self.incoming(self.b, "big")["name"]
            port_a = self.forward_port(self.a, "big")
            port_b = self.forward_port(self.b, theirs)
            ca = socket.create_connection(("127.0.0.1", port_a))
            cb = socket.create_connection(("127.0.0.1", port_b))
            self.wait_connected(self.a, "big")
            self.wait_connected(self.b, theirs)
            small = 4 << 20
            results, elapsed, stalled = stream_both_ways(ca, cb, BIG, small, timeout=240)
            self.assertFalse(stalled, "transfer stalled: %s" % results)
            self.assert_streamed(results["ab"], BIG)
            self.assert_streamed(results["ba"], small)
            print("peer pipe forward: %d MiB in %.1f s (%.0f MiB/s)" % (BIG >> 20, elapsed, (BIG >> 20) / elapsed))
            ca.close()
            cb.close()
        finally:
            self.close(self.a, "big")

    def test_a_half_closed_forward_lives_while_bytes_flow(self):
        """One side sends its request and shuts down its write; the answer trickles back
        for longer than the relay's half-close limit (10 s of silence) and all arrives."""
        self.open_pipe(self.a, "half", self.b_addr)
        try:
            theirs = self.incoming(self.b, "half")["name"]
            ca = socket.create_connection(("127.0.0.1", self.forward_port(self.a, "half")))
            cb = socket.create_connection(("127.0.0.1", self.forward_port(self.b, theirs)))
            # Both relays hold their connection before the FIN travels: a pipe whose remote
            # finishes before its forward is connected is closed for sending (remote_closed).
            self.wait_connected(self.a, "half")
            self.wait_connected(self.b, theirs)
            ca.sendall(b"request")
            ca.shutdown(socket.SHUT_WR)
            cb.settimeout(10)
            got = b""
            while len(got) < 7:
                got += cb.recv(100)
            self.assertEqual(got, b"request")
            self.assertEqual(cb.recv(100), b"")  # the FIN came through
            ca.settimeout(10)
            start = time.monotonic()
            answer = b""
            for i in range(12):  # 12 x 1 s: past the 10 s limit, never 10 s silent
                cb.sendall(b"part%02d;" % i)
                want = 7 * (i + 1)
                while len(answer) < want:
                    data = ca.recv(100)
                    self.assertTrue(data, "relay closed after %.1f s" % (time.monotonic() - start))
                    answer += data
                time.sleep(1)
            cb.shutdown(socket.SHUT_WR)
            self.assertEqual(ca.recv(100), b"")
            self.assertEqual(answer, b"".join(b"part%02d;" % i for i in range(12)))
            ca.close()
            cb.close()
        finally:
            self.close(self.a, "half")

    def test_slow_reader_slows_the_writer_and_memory_stays_bounded(self):
        self.open_pipe(self.a, "slow", self.b_addr)
        try:
            theirs = self.incoming(self.b, "slow")["name"]
            port_a = self.forward_port(self.a, "slow")
            port_b = self.forward_port(self.b, theirs)
            ca = socket.create_connection(("127.0.0.1", port_a))
            cb = socket.create_connection(("127.0.0.1", port_b))
            cb.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)
            rss_before = rss_kib(self.a.proc.pid) + rss_kib(self.b.proc.pid)
            # Nobody reads cb: write for 3 s without blocking and count what is taken.
            ca.setblocking(False)
            chunk = b"s" * (1 << 16)
            accepted = 0
            h = hashlib.sha256()
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                try:
                    n = ca.send(chunk)
                    h.update(chunk[:n])
                    accepted += n
                except BlockingIOError:
                    time.sleep(0.01)
            growth_mib = (rss_kib(self.a.proc.pid) + rss_kib(self.b.proc.pid) - rss_before) / 1024
            print("slow reader: %d MiB accepted, daemons grew %.1f MiB" % (accepted >> 20, growth_mib))
            self.assertLess(accepted, 96 << 20)   # windows + queues + socket buffers, not "all of it"
            self.assertLess(growth_mib, 128)
            # Now read: every accepted byte arrives, in order.
            ca.setblocking(True)
            ca.shutdown(socket.SHUT_WR)
            got = hashlib.sha256()
            n = 0
            cb.settimeout(30)
            while n < accepted:
                data = cb.recv(1 << 20)
                if not data:
                    break
                got.update(data)
                n += len(data)
            self.assertEqual(n, accepted)
            self.assertEqual(got.hexdigest(), h.hexdigest())
            ca.close()
            cb.close()
        finally:
            self.close(self.a, "slow")


if __name__ == "__main__":
    main()
