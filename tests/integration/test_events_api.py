"""GET /v1/events against the real daemon: events published by the pipes layer
(server.started, pipe.opened, pipe.closed, server.stopped) read with the JSON long
poll (?after, ?timeout_ms, ?max) and as server-sent events over a raw socket
(including Last-Event-ID resume), a long poll woken by an event, the busy bound, the
stream ending when the daemon stops, and the errors bad parameters get."""
import json
import signal
import socket
import threading
import time
import unittest

from p2pd_harness import Daemon, main


def sse_open(d, path, extra_headers=""):
    host, port = d.tcp_endpoint(4)
    s = socket.create_connection((host, port), timeout=10)
    req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n"
           "Accept: text/event-stream\r\n%s\r\n") % (path, host, port, d.token, extra_headers)
    s.sendall(req.encode())
    return s


class SseReader:
    """Reads an HTTP/1.1 chunked text/event-stream response into SSE blocks."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.head = None
        self.text = ""

    def _fill(self, deadline):
        self.sock.settimeout(max(0.05, deadline - time.time()))
        b = self.sock.recv(65536)
        if not b:
            raise EOFError("stream closed")
        self.buf += b

    def headers(self, deadline):
        while b"\r\n\r\n" not in self.buf:
            self._fill(deadline)
        self.head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        return self.head.decode()

    def _dechunk(self):
        while True:
            line, sep, rest = self.buf.partition(b"\r\n")
            if not sep:
                return False
            size = int(line.split(b";")[0], 16)
            if len(rest) < size + 2:
                return False
            if size == 0:
                self.buf = rest[2:]
                return True  # the terminating chunk
            self.text += rest[:size].decode()
            self.buf = rest[size + 2:]

    def block(self, timeout=10):
        """Next SSE block as a dict of its fields; {"_end": True} after the last chunk."""
        deadline = time.time() + timeout
        while True:
            ended = self._dechunk()
            if "\n\n" in self.text:
                raw, _, self.text = self.text.partition("\n\n")
                fields = {}
                for line in raw.split("\n"):
                    if line.startswith(":"):
                        fields.setdefault("_comment", line[1:].strip())
                        continue
                    k, _, v = line.partition(": ")
                    fields[k] = v
                return fields
            if ended:
                return {"_end": True}
            self._fill(deadline)

    def until(self, pred, timeout=10):
        deadline = time.time() + timeout
        seen = []
        while time.time() < deadline:
            b = self.block(deadline - time.time())
            seen.append(b)
            if pred(b):
                return b, seen
        raise AssertionError("no matching SSE block in %r" % seen)


class EventsApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # More HTTP threads than long-poll tickets: waiting streams never starve short requests.
        cls.d = Daemon(config={"api": {"max_long_polls": 4, "threads": 8}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def events(self, query="", expect=200, timeout=10):
        r = self.d.get("/v1/events" + query, timeout=timeout)
        self.assertEqual(r.status, expect, r.body)
        return r.json()

    def last_seq(self):
        return self.events("?timeout_ms=0")["last_seq"]

    def start_server(self, name):
        r = self.d.request("POST", "/v1/servers", body={"name": name, "families": ["ipv4"]})
        self.assertEqual(r.status, 201, r.body)
        return r.json()["server"]["ports"][0]

    def stop_server(self, name):
        r = self.d.request("DELETE", "/v1/servers/" + name)
        self.assertEqual(r.status, 200, r.body)

    def test_long_poll_sees_server_and_pipe_events_in_order(self):
        after = self.last_seq()
        port = self.start_server("ev1")
        with socket.create_connection(("127.0.0.1", port), timeout=3) as c:
            c.sendall(b"hello")
            got, cursor = [], after
            deadline = time.time() + 5
            while time.time() < deadline and "pipe.opened" not in [e["type"] for e in got]:
                b = self.events("?after=%d&timeout_ms=2000" % cursor)
                got += b["events"]
                cursor = b["last_seq"] if not b["events"] else b["events"][-1]["seq"]
        self.stop_server("ev1")
        b = self.events("?after=%d&timeout_ms=2000" % cursor)
        got += b["events"]
        types = [e["type"] for e in got]
        self.assertIn("server.started", types, got)
        self.assertIn("pipe.opened", types, got)
        self.assertLess(types.index("server.started"), types.index("pipe.opened"))
        started = got[types.index("server.started")]
        self.assertEqual(started["data"]["name"], "ev1")
        opened = got[types.index("pipe.opened")]
        self.assertTrue(opened["data"]["name"].startswith("ev1."), opened)
        seqs = [e["seq"] for e in got]
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(len(set(seqs)), len(seqs))
        self.assertTrue(all(e["seq"] > after for e in got))
        for e in got:
            self.assertEqual(set(e), {"seq", "at_ms", "type", "data"})
        # The stop shows up too (maybe in the batch above, maybe a little later).
        tail = self.events("?after=%d&timeout_ms=0" % after)["events"]
        self.assertIn("server.stopped", [e["type"] for e in tail])

    def test_long_poll_waits_and_is_woken_by_an_event(self):
        after = self.last_seq()
        result = {}

        def poll():
            t0 = time.time()
            result["body"] = self.events("?after=%d&timeout_ms=10000" % after, timeout=20)
            result["took"] = time.time() - t0

        t = threading.Thread(target=poll)
        t.start()
        time.sleep(0.5)
        self.assertTrue(t.is_alive(), "the long poll answered before any event")
        self.start_server("ev2")
        t.join(15)
        self.assertFalse(t.is_alive())
        self.assertLess(result["took"], 5, result)
        self.assertIn("server.started", [e["type"] for e in result["body"]["events"]])
        self.stop_server("ev2")

    def test_timeout_gives_an_empty_batch(self):
        last = self.last_seq()
        t0 = time.time()
        b = self.events("?after=%d&timeout_ms=300" % last)
        took = time.time() - t0
        self.assertEqual(b["events"], [])
        self.assertEqual(b["missed"], 0)
        self.assertFalse(b["closed"])
        self.assertGreaterEqual(b["last_seq"], last)
        self.assertGreaterEqual(took, 0.25)
        # A cursor from another daemon run (beyond last_seq) is answered at once.
        t0 = time.time()
        b = self.events("?after=%d&timeout_ms=5000" % (last + 1000))
        self.assertLess(time.time() - t0, 2)
        self.assertEqual(b["last_seq"], self.last_seq())

    def test_max_limits_the_batch(self):
        after = self.last_seq()
        self.start_server("ev3")
        self.stop_server("ev3")
        b = self.events("?after=%d&max=1&timeout_ms=0" % after)
        self.assertEqual(len(b["events"]), 1, b)
        self.assertEqual(b["events"][0]["seq"], after + 1)
        self.assertGreaterEqual(b["last_seq"], after + 2)

    def test_bad_parameters(self):
        for q in ("?after=-1", "?after=x", "?timeout_ms=1.5", "?timeout_ms=", "?max=0", "?max=1001",
                  "?max=abc", "?after=99999999999999999999999"):
            r = self.d.get("/v1/events" + q)
            self.assertEqual(r.status, 400, (q, r.body))
            body = r.json()
            self.assertEqual(body["error"], "bad_request", (q, body))
            name = q[1:].split("=")[0]
            self.assertIn(name, body["message"], (q, body))
        r = self.d.get("/v1/events?timeout_ms=0", headers={"Accept": "text/event-stream",
                                                           "Last-Event-ID": "nope"})
        self.assertEqual(r.status, 400, r.body)
        # A huge timeout is clipped, not refused.
        r = self.d.get("/v1/events?timeout_ms=99999999999&after=999999999", timeout=10)
        self.assertEqual(r.status, 200, r.body)

    def test_sse_stream_and_resume(self):
        after = self.last_seq()
        s = sse_open(self.d, "/v1/events?after=%d" % after)
        try:
            rd = SseReader(s)
            head = rd.headers(time.time() + 5)
            self.assertIn(" 200 ", head.split("\r\n")[0])
            self.assertIn("text/event-stream", head.lower())
            self.start_server("ev4")
            blk, _ = rd.until(lambda b: b.get("event") == "server.started")
            data = json.loads(blk["data"])
            self.assertEqual(data["type"], "server.started")
            self.assertEqual(data["data"]["name"], "ev4")
            self.assertEqual(int(blk["id"]), data["seq"])
            first_id = int(blk["id"])
            self.stop_server("ev4")
            blk, _ = rd.until(lambda b: b.get("event") == "server.stopped")
            self.assertGreater(int(blk["id"]), first_id)
        finally:
            s.close()
        # A reconnecting client names the last id it saw and gets what followed it.
        s = sse_open(self.d, "/v1/events", "Last-Event-ID: %d\r\n" % first_id)
        try:
            rd = SseReader(s)
            rd.headers(time.time() + 5)
            blk = rd.block(5)
            self.assertGreater(int(blk["id"]), first_id)
            self.assertEqual(blk["event"], "server.stopped")
        finally:
            s.close()

    def waiting(self):
        return self.d.get("/v1/status").json()["api"]["long_polls_waiting"]

    def test_streams_are_bounded_and_release_their_ticket(self):
        deadline = time.time() + 5  # streams of earlier tests are still noticing their clients left
        while time.time() < deadline and self.waiting() > 0:
            time.sleep(0.1)
        socks = []
        try:
            for _ in range(4):  # max_long_polls
                s = sse_open(self.d, "/v1/events?after=%d" % (self.last_seq() if not socks else 0))
                SseReader(s).headers(time.time() + 5)
                socks.append(s)
            r = self.d.get("/v1/events?timeout_ms=0", headers={"Accept": "text/event-stream"})
            self.assertEqual(r.status, 503, r.body)
            self.assertEqual(r.json()["error"], "busy")
            # A plain JSON read that needs no waiting still answers while streams hold the gate.
            self.assertEqual(self.events("?timeout_ms=0")["error"], 0)
            self.assertEqual(self.waiting(), 4)
        finally:
            for s in socks:
                s.close()
        # Quiet streams check their client every second: the tickets come back without
        # any event being written.
        t0 = time.time()
        while time.time() < t0 + 10 and self.waiting() > 0:
            time.sleep(0.1)
        self.assertEqual(self.waiting(), 0)
        self.assertLess(time.time() - t0, 3)
        s = sse_open(self.d, "/v1/events?after=%d" % self.last_seq())
        try:
            head = SseReader(s).headers(time.time() + 5)
            self.assertIn(" 200 ", head.split("\r\n")[0])  # not 503 any more
        finally:
            s.close()


class EventsEndWithDaemon(unittest.TestCase):
    def test_stream_ends_when_daemon_stops(self):
        with Daemon() as d:
            s = sse_open(d, "/v1/events?after=%d" % d.get("/v1/events?timeout_ms=0").json()["last_seq"])
            try:
                rd = SseReader(s)
                rd.headers(time.time() + 5)
                t0 = time.time()
                d.signal(signal.SIGTERM)
                blocks = []
                try:
                    while True:
                        b = rd.block(10)
                        blocks.append(b)
                        if b.get("_end") or b.get("event") == "closed":
                            break
                except EOFError:
                    pass
                self.assertLess(time.time() - t0, 8, blocks)
                self.assertEqual(d.wait(5), 0, d.output())
            finally:
                s.close()


if __name__ == "__main__":
    main()
