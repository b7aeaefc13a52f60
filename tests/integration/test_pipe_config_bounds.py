"""The config's "pipes" section against the real daemon (docs/API.md "Config file" and
"Pipes"): a daemon configured with small bounds applies them. With pipes.queue_messages
10, a flood of 1000 UDP datagrams nobody reads leaves exactly the 10 newest queued, the
rest dropped and counted, and a subscription asking for more is capped at 10. With
pipes.max_pipes 3, a fourth POST /v1/pipes answers 503 "too_many", a server refuses
connections (counted in "refused"), P2PD's /open answers 503 with code 3, and closing a
pipe makes room again. With pipes.send_backlog 64 KiB, sends to a TCP remote that does
not read answer 503 "busy" once that much waits to go out, every byte accepted before
arrives intact once the remote reads, and sends are accepted again. With
pipes.max_udp_senders 2, a UDP server makes two sender pipes and counts the third
sender's datagrams as dropped; with pipes.connect_timeout_ms 500, a TCP pipe to a
listener that never completes the handshake answers 504 "timeout" after 0.5 s. A bad value stops the daemon with an error naming the key."""
import hashlib
import socket
import struct
import subprocess
import time
import unittest

from p2pd_harness import P2PD_BIN, Daemon, main
from pipe_client import PipeCalls, wait_for

QUEUE_MESSAGES = 10
MAX_PIPES = 3
SEND_BACKLOG = 64 << 10
CHUNK = 256 << 10
MAX_UDP_SENDERS = 2
CONNECT_TIMEOUT_MS = 500
DATAGRAM = 64
FLOOD = 1000


def settled(d, name, quiet=0.5, timeout=20):
    """The pipe's view once messages_in stops changing for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        view = d.get("/v1/pipes/" + name).json()["pipe"]
        if view["messages_in"] != last:
            last, since = view["messages_in"], time.monotonic()
        elif time.monotonic() - since >= quiet:
            return view
        time.sleep(0.05)
    raise AssertionError("pipe %s still moving after %ds" % (name, timeout))


class PipeConfigBounds(PipeCalls, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(config={"pipes": {"queue_messages": QUEUE_MESSAGES, "max_pipes": MAX_PIPES,
                                            "send_backlog": SEND_BACKLOG,
                                            "max_udp_senders": MAX_UDP_SENDERS,
                                            "connect_timeout_ms": CONNECT_TIMEOUT_MS}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def tearDown(self):
        for p in self.d.get("/v1/pipes").json()["pipes"]:
            self.d.request("DELETE", "/v1/pipes/" + p["name"])
        self.assertTrue(wait_for(lambda: not self.d.get("/v1/pipes").json()["pipes"]))

    def udp_pipe(self, name, remote):
        r = self.d.request("POST", "/v1/pipes", {"name": name, "host": "127.0.0.1",
                                                 "port": remote.getsockname()[1], "proto": "udp"})
        self.assertEqual(r.status, 201, r.body)
        host, port = r.json()["pipe"]["local"].rsplit(":", 1)
        return host, int(port)

    def test_the_configured_queue_bound_is_what_applies(self):
        self.assertEqual(self.d.get("/v1/status").status, 200)
        remote = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        remote.bind(("127.0.0.1", 0))
        try:
            dest = self.udp_pipe("small", remote)
            r = self.d.request("POST", "/v1/pipes/small/subs", {"id": "big", "max_messages": 500})
            self.assertEqual(r.status, 201, r.body)
            self.assertEqual(r.json()["sub"]["max_messages"], QUEUE_MESSAGES, r.body)  # capped
            pad = b"q" * (DATAGRAM - 8)
            for i in range(FLOOD):
                remote.sendto(struct.pack(">Q", i) + pad, dest)
                if i % 100 == 99:
                    time.sleep(0.002)  # let the loop keep up: the kernel must not be what drops
            view = settled(self.d, "small")
            arrived = view["messages_in"]
            self.assertGreater(arrived, FLOOD * 9 // 10, view)
            subs = {s["id"]: s for s in view["subs"]}
            for sub in subs.values():
                self.assertEqual(sub["max_messages"], QUEUE_MESSAGES, sub)
                self.assertEqual(sub["queued_messages"], QUEUE_MESSAGES, sub)
                self.assertEqual(sub["dropped_messages"], arrived - QUEUE_MESSAGES, sub)
                self.assertEqual(sub["dropped_bytes"], (arrived - QUEUE_MESSAGES) * DATAGRAM, sub)
            self.assertEqual(view["dropped_messages"], 2 * (arrived - QUEUE_MESSAGES), view)
            # Reading gets the 10 newest, in order, then nothing.
            got = []
            while True:
                m = self.d.get("/v1/pipes/small/recv?timeout_ms=0", headers={"Accept": "application/octet-stream"})
                if m.status != 200:
                    self.assertEqual(m.status, 504, m.body)
                    self.assertEqual(self.d.get("/v1/pipes/small/recv?timeout_ms=0").json()["error"], "timeout")
                    break
                got.append((int(m.headers["X-P2PD-Seq"]), struct.unpack(">Q", m.body[:8])[0]))
                self.assertLessEqual(len(got), QUEUE_MESSAGES, got)
            self.assertEqual(len(got), QUEUE_MESSAGES)
            self.assertEqual([s for s, _ in got], list(range(arrived - QUEUE_MESSAGES + 1, arrived + 1)))
            indexes = [i for _, i in got]
            self.assertEqual(indexes, sorted(indexes))
            self.assertEqual(indexes[-1], FLOOD - 1)  # the last datagram sent is there
        finally:
            remote.close()

    def test_max_pipes_is_enforced(self):
        remotes = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
        try:
            for s in remotes:
                s.bind(("127.0.0.1", 0))
            for i in range(MAX_PIPES):
                self.udp_pipe("p%d" % i, remotes[0])
            # One more: UDP or TCP, the documented 503 "too_many" naming the limit.
            r = self.d.request("POST", "/v1/pipes", {"name": "extra", "host": "127.0.0.1",
                                                     "port": remotes[1].getsockname()[1], "proto": "udp"})
            self.assertEqual(r.status, 503, r.body)
            self.assertEqual(r.json()["error"], "too_many")
            self.assertIn("pipe limit (%d)" % MAX_PIPES, r.json()["message"])
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.bind(("127.0.0.1", 0))
            listener.listen(4)
            try:
                r = self.d.request("POST", "/v1/pipes", {"name": "extra", "host": "127.0.0.1",
                                                         "port": listener.getsockname()[1]})
                self.assertEqual(r.status, 503, r.body)
                self.assertEqual(r.json()["error"], "too_many")
            finally:
                listener.close()
            # P2PD's /open: its error shape, code 3 (a connect failure), the same 503.
            r = self.d.get("/open/extra/self", timeout=30)
            self.assertEqual(r.status, 503, r.body)
            self.assertEqual(r.json()["error"], 3, r.body)
            self.assertIn("pipe limit", r.json()["msg"])
            # Refused before dialling: no session was set up for a pipe that cannot exist.
            self.assertEqual(self.d.get("/v1/sessions").json()["sessions"], [])
            # A server accepts the connection and closes it: no pipe, counted as refused.
            r = self.d.request("POST", "/v1/servers", {"name": "full", "families": ["ipv4"]})
            self.assertEqual(r.status, 201, r.body)
            try:
                port = r.json()["server"]["ports"][0]
                with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                    self.assertEqual(c.recv(10), b"")  # closed at once
                server = wait_for(lambda: (s := self.d.get("/v1/servers/full").json()["server"])["refused"] and s)
                self.assertEqual(server["refused"], 1, server)
                self.assertEqual(server["accepted"], 0, server)
                self.assertEqual(len(self.d.get("/v1/pipes").json()["pipes"]), MAX_PIPES)
            finally:
                self.d.request("DELETE", "/v1/servers/full")
            # Closing one makes room for one.
            self.assertEqual(self.d.request("DELETE", "/v1/pipes/p0").status, 200)
            self.assertTrue(wait_for(lambda: self.gone(self.d, "p0")))
            self.udp_pipe("extra", remotes[1])
            r = self.d.request("POST", "/v1/pipes", {"name": "extra2", "host": "127.0.0.1",
                                                     "port": remotes[1].getsockname()[1], "proto": "udp"})
            self.assertEqual(r.status, 503, r.body)
        finally:
            for s in remotes:
                s.close()

    def test_send_backlog_answers_busy_and_loses_nothing(self):
        remote = self.tcp_pipe_to_listener(self.d, "slow")
        try:
            # The remote does not read: the kernel buffers fill, then the daemon's own
            # queue; past SEND_BACKLOG the next send is refused, not queued.
            sent, busy = hashlib.sha256(), None
            accepted = 0
            for i in range(400):  # 100 MiB: far more than any loopback buffering
                chunk = bytes([i % 251]) * CHUNK
                r = self.d.request("POST", "/v1/pipes/slow/send", chunk,
                                   headers={"Content-Type": "application/octet-stream"})
                if r.status == 503:
                    busy = r
                    break
                self.assertEqual(r.status, 200, r.body)
                self.assertEqual(r.json()["sent"], CHUNK)
                sent.update(chunk)
                accepted += CHUNK
            self.assertIsNotNone(busy, "400 sends of %d bytes never answered busy" % CHUNK)
            self.assertEqual(busy.json()["error"], "busy", busy.body)
            self.assertIn("not reading", busy.json()["message"])
            view = self.pipe_view(self.d, "slow")
            self.assertGreater(view["send_backlog"], SEND_BACKLOG, view)
            self.assertLessEqual(view["send_backlog"], SEND_BACKLOG + CHUNK, view)
            # The remote reads: exactly what was accepted arrives, in order.
            got, h = 0, hashlib.sha256()
            remote.settimeout(10)
            while got < accepted:
                b = remote.recv(1 << 20)
                self.assertTrue(b, "the pipe closed after %d of %d bytes" % (got, accepted))
                h.update(b)
                got += len(b)
            self.assertEqual(h.hexdigest(), sent.hexdigest())
            self.assertTrue(wait_for(lambda: self.pipe_view(self.d, "slow")["send_backlog"] == 0))
            r = self.d.request("POST", "/v1/pipes/slow/send", {"text": "again"})
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(remote.recv(100), b"again")
        finally:
            remote.close()

    def test_max_udp_senders_bounds_a_server(self):
        r = self.d.request("POST", "/v1/servers", {"name": "us", "protos": ["udp"], "families": ["ipv4"]})
        self.assertEqual(r.status, 201, r.body)
        senders = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(MAX_UDP_SENDERS + 1)]
        try:
            dest = ("127.0.0.1", r.json()["server"]["ports"][0])
            for i, s in enumerate(senders[:MAX_UDP_SENDERS]):
                s.sendto(b"hello %d" % i, dest)
                self.assertTrue(wait_for(lambda: self.pipe_view(self.d, "us.%d" % (i + 1))))
            for _ in range(3):
                senders[-1].sendto(b"one too many", dest)
            server = wait_for(lambda: (s := self.d.get("/v1/servers/us").json()["server"])["dropped_datagrams"] >= 3 and s)
            self.assertTrue(server, self.d.get("/v1/servers/us").body)
            self.assertEqual(server["dropped_datagrams"], 3, server)
            self.assertEqual(server["udp_senders"], MAX_UDP_SENDERS, server)
            self.assertIsNone(self.pipe_view(self.d, "us.%d" % (MAX_UDP_SENDERS + 1)))
            # The senders that have pipes still get through.
            senders[0].sendto(b"still here", dest)
            m = self.d.get("/v1/pipes/us.1/recv?timeout_ms=2000", headers={"Accept": "application/octet-stream"})
            self.assertEqual(m.status, 200, m.body)
        finally:
            for s in senders:
                s.close()
            self.d.request("DELETE", "/v1/servers/us")

    def test_connect_timeout_applies(self):
        # A listener whose accept queue is full drops further SYNs: the handshake never ends.
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        fillers = []
        try:
            for _ in range(2):
                c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                c.setblocking(False)
                c.connect_ex(listener.getsockname())
                fillers.append(c)
            time.sleep(0.2)
            start = time.monotonic()
            r = self.d.request("POST", "/v1/pipes", {"name": "slowconnect", "host": "127.0.0.1",
                                                     "port": listener.getsockname()[1]})
            took = time.monotonic() - start
            self.assertEqual(r.status, 504, r.body)
            self.assertEqual(r.json()["error"], "timeout", r.body)
            self.assertIn("%d ms" % CONNECT_TIMEOUT_MS, r.json()["message"])
            self.assertGreaterEqual(took, CONNECT_TIMEOUT_MS / 1000 - 0.05)
            self.assertLess(took, 4.0)  # well before the 5 s default
            self.assertIsNone(self.pipe_view(self.d, "slowconnect"))
        finally:
            for c in fillers:
                c.close()
            listener.close()

    def test_a_bad_value_is_refused_naming_the_key(self):
        with Daemon(config={"pipes": {"queue_messages": 0}}, wait_ready=False) as bad:
            code = bad.wait(timeout=10)
            self.assertNotEqual(code, 0)
            self.assertIn("pipes.queue_messages", bad.output())
            self.assertIn("1-1000000", bad.output())


if __name__ == "__main__":
    main()
