"""Flow control of pipes against the real daemon (docs/API.md "Pipes"): a UDP flood far
past the queue bounds into a client pipe and into a server's sender pipe keeps the
daemon's memory flat, the oldest datagrams are dropped, and the drops are counted in
GET /v1/pipes/<name> (pipe and subscription) and in /metrics; a TCP sender pushing far
more than the queue bound into a pipe nobody reads is paused (reading_paused, the
daemon's memory bounded), and once reading resumes every byte arrives intact."""
import hashlib
import os
import socket
import struct
import threading
import time
import unittest

from p2pd_harness import Daemon, main
from pipe_client import PipeCalls, pattern, rss_kib, wait_for

QUEUE_MESSAGES = 1024          # the default queue bounds (docs/API.md)
QUEUE_BYTES = 1 << 20
DATAGRAM = 1000
FLOOD = 100_000                # 100 MB of datagrams: 100x the queue's byte bound
TCP_TOTAL = 64 << 20           # 64x the queue's byte bound
RSS_SLACK_KIB = 6 * 1024       # what the allocator may keep on top of one full queue
ONE_READ = 1 << 20             # the most one socket read returns (the loop's read buffer)
# Freed memory is reused at once, also under ASan (whose quarantine would otherwise hold
# up to 256 MiB of freed blocks and make any "memory stays flat" check meaningless).
REUSE_FREED = {"ASAN_OPTIONS": ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"),
                                                      "quarantine_size_mb=0",
                                                      "thread_local_quarantine_size_kb=0"]))}


def settled(d, name, key="messages_in", quiet=0.5, timeout=30):
    """Waits until the pipe's `key` stops changing for `quiet` seconds; returns the view."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        view = d.get("/v1/pipes/" + name).json()["pipe"]
        if view[key] != last:
            last, since = view[key], time.monotonic()
        elif time.monotonic() - since >= quiet:
            return view
        time.sleep(0.05)
    raise AssertionError("pipe %s still moving after %ds" % (name, timeout))


def metric(d, name):
    for line in d.get("/metrics").body.decode().splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def flood(sock, dest, count, start=0):
    """count datagrams of DATAGRAM bytes, each starting with its 8-byte index."""
    pad = b"f" * (DATAGRAM - 8)
    for i in range(start, start + count):
        while True:
            try:
                sock.sendto(struct.pack(">Q", i) + pad, dest)
                break
            except BlockingIOError:
                time.sleep(0.0005)


class PipeFlowControl(PipeCalls, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(env=REUSE_FREED).start()
        cls.pid = cls.d.proc.pid

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def check_flooded(self, name, sender, dest):
        """Floods pipe `name` (whose datagrams come from `sender`) and checks the bounds."""
        r = self.d.request("POST", "/v1/pipes/%s/subs" % name, {"id": "few", "max_messages": 10})
        self.assertEqual(r.status, 201, r.body)
        # Warm up: fill the queues once, so the baseline already holds a full queue.
        flood(sender, dest, 3 * QUEUE_MESSAGES)
        settled(self.d, name)
        before = rss_kib(self.pid)
        flood(sender, dest, FLOOD, start=3 * QUEUE_MESSAGES)
        view = settled(self.d, name)
        after = rss_kib(self.pid)
        self.assertLess(after - before, RSS_SLACK_KIB, "VmRSS %d -> %d KiB" % (before, after))
        subs = {s["id"]: s for s in view["subs"]}
        arrived = view["messages_in"]
        self.assertGreater(arrived, 10 * QUEUE_MESSAGES, view)  # the kernel may drop some, not most
        for sub in subs.values():
            self.assertEqual(sub["overflow"], "drop_oldest")
            bound = min(sub["max_messages"], QUEUE_BYTES // DATAGRAM)
            self.assertEqual(sub["queued_messages"], bound, sub)
            self.assertLessEqual(sub["queued_bytes"], QUEUE_BYTES)
            # Nobody read: every datagram that arrived is queued or was dropped, and counted.
            self.assertEqual(sub["dropped_messages"], sub["matched"] - sub["queued_messages"], sub)
            self.assertEqual(sub["dropped_bytes"], sub["dropped_messages"] * DATAGRAM, sub)
        self.assertEqual(subs["all"]["matched"], arrived)
        self.assertEqual(subs["few"]["queued_messages"], 10)
        self.assertEqual(view["dropped_messages"], sum(s["dropped_messages"] for s in subs.values()))
        self.assertEqual(view["dropped_bytes"], view["dropped_messages"] * DATAGRAM)
        # The oldest went: what is left are the newest datagrams, in order.
        queued = subs["all"]["queued_messages"]
        first = self.d.get("/v1/pipes/%s/recv?timeout_ms=0" % name,
                           headers={"Accept": "application/octet-stream"})
        self.assertEqual(first.status, 200, first.body)
        self.assertEqual(int(first.headers["X-P2PD-Seq"]), arrived - queued + 1)
        last_few = [self.d.get("/v1/pipes/%s/recv?timeout_ms=0&sub=few" % name,
                               headers={"Accept": "application/octet-stream"}).body for _ in range(10)]
        indexes = [struct.unpack(">Q", b[:8])[0] for b in last_few]
        self.assertEqual(indexes, sorted(indexes))
        self.assertEqual(self.d.get("/v1/pipes/%s/recv?timeout_ms=0&sub=few" % name).status, 504)
        return view

    def test_udp_flood_into_a_client_pipe(self):
        remote = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        remote.bind(("127.0.0.1", 0))
        remote.setblocking(False)
        try:
            drops_before = metric(self.d, "p2pd_pipe_dropped_messages_total")
            r = self.d.request("POST", "/v1/pipes", {"name": "flood", "host": "127.0.0.1",
                                                     "port": remote.getsockname()[1], "proto": "udp"})
            self.assertEqual(r.status, 201, r.body)
            host, port = r.json()["pipe"]["local"].rsplit(":", 1)
            view = self.check_flooded("flood", remote, (host, int(port)))
            self.assertEqual(metric(self.d, "p2pd_pipe_dropped_messages_total") - drops_before,
                             view["dropped_messages"])
            # Still a working pipe.
            r = self.d.request("POST", "/v1/pipes/flood/send", {"text": "still here"})
            self.assertEqual(r.status, 200, r.body)
            remote.setblocking(True)
            remote.settimeout(5)
            self.assertEqual(remote.recvfrom(100)[0], b"still here")
            self.close(self.d, "flood")
        finally:
            remote.close()

    def test_udp_flood_into_a_server_sender_pipe(self):
        r = self.d.request("POST", "/v1/servers", {"name": "fls", "protos": ["udp"], "families": ["ipv4"]})
        self.assertEqual(r.status, 201, r.body)
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sender.setblocking(False)
        try:
            dest = ("127.0.0.1", r.json()["server"]["ports"][0])
            sender.sendto(struct.pack(">Q", 0) + b"f" * (DATAGRAM - 8), dest)
            self.assertTrue(wait_for(lambda: self.pipe_view(self.d, "fls.1")))
            self.check_flooded("fls.1", sender, dest)
            server = self.d.get("/v1/servers/fls").json()["server"]
            self.assertEqual(server["udp_senders"], 1, server)  # one sender: one pipe
        finally:
            sender.close()
            self.d.request("DELETE", "/v1/servers/fls")

    def test_tcp_backpressure_pauses_then_delivers_everything(self):
        server = self.tcp_pipe_to_listener(self.d, "bp")
        sent = {}

        def push():
            h = hashlib.sha256()
            for chunk in pattern(TCP_TOTAL, "bp"):
                server.sendall(chunk)
                h.update(chunk)
            server.shutdown(socket.SHUT_WR)
            sent["digest"] = h.hexdigest()

        try:
            before = rss_kib(self.pid)
            pusher = threading.Thread(target=push, daemon=True)
            pusher.start()
            view = wait_for(lambda: (v := self.pipe_view(self.d, "bp"))["reading_paused"] and v, timeout=10)
            self.assertTrue(view, self.pipe_view(self.d, "bp"))
            view = settled(self.d, "bp", key="bytes_in", quiet=1.0)
            self.assertTrue(view["reading_paused"], view)
            self.assertTrue(pusher.is_alive())  # the sender is blocked, not finished
            self.assertLess(view["bytes_in"], TCP_TOTAL // 4, view)
            all_sub = view["subs"][0]
            self.assertEqual(all_sub["overflow"], "block")
            self.assertEqual(all_sub["dropped_messages"], 0)
            # Reading stops once the queue is full: it holds at most one read beyond its bound.
            self.assertLessEqual(all_sub["queued_bytes"], QUEUE_BYTES + ONE_READ, all_sub)
            self.assertLessEqual(all_sub["queued_messages"], QUEUE_MESSAGES, all_sub)
            after = rss_kib(self.pid)
            self.assertLess(after - before, RSS_SLACK_KIB, "VmRSS %d -> %d KiB" % (before, after))
            # Reading resumes: every byte comes out, in order, and memory stays flat while
            # 64 MiB pass (the first MiB read warms the HTTP workers' allocator arenas).
            h, got, samples = hashlib.sha256(), 0, []
            deadline = time.monotonic() + 120
            while got < TCP_TOTAL and time.monotonic() < deadline:
                m = self.d.get("/v1/pipes/bp/recv?timeout_ms=2000", headers={"Accept": "application/octet-stream"})
                if m.status == 504:
                    continue
                self.assertEqual(m.status, 200, m.body)
                h.update(m.body)
                got += len(m.body)
                if got % (4 << 20) < len(m.body):
                    samples.append(rss_kib(self.pid))
            pusher.join(10)
            self.assertEqual(got, TCP_TOTAL)
            self.assertEqual(h.hexdigest(), sent.get("digest"))
            self.assertLess(max(samples) - samples[0], RSS_SLACK_KIB, "VmRSS every 4 MiB: %s KiB" % samples)
            self.assertLess(max(samples) - before, TCP_TOTAL // 1024 // 3, "VmRSS %d -> %s KiB" % (before, samples))
            final = self.pipe_view(self.d, "bp")
            if final is not None:  # the remote's FIN closes it once drained
                self.assertEqual(final["dropped_messages"], 0, final)
            self.assertTrue(wait_for(lambda: self.gone(self.d, "bp")))
        finally:
            server.close()
            self.d.request("DELETE", "/v1/pipes/bp")


if __name__ == "__main__":
    main()
