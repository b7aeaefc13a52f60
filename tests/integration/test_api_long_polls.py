"""Long polls must not starve short requests (docs/ARCHITECTURE.md "Threads"): with
api.threads 2, more long polls than threads wait on one listener (pipe recv, the events
long poll and the SSE stream) and GET /v1/status still answers at once; beyond
api.max_long_polls a long poll answers 503 "busy" with Retry-After at once (docs/API.md
"REST conventions"); the waiting polls then end normally (504 timeout)."""
import http.client
import socket
import threading
import time
import unittest

from p2pd_harness import Daemon, main
from pipe_client import wait_for

THREADS = 2
MAX_LONG_POLLS = 6
WAIT_MS = 6000


class LongPollsDoNotStarve(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(config={"api": {"threads": THREADS, "max_long_polls": MAX_LONG_POLLS}}).start()
        cls.remote = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        cls.remote.bind(("127.0.0.1", 0))
        r = cls.d.request("POST", "/v1/pipes", {"name": "quiet", "host": "127.0.0.1",
                                                "port": cls.remote.getsockname()[1], "proto": "udp"})
        assert r.status == 201, r.body

    @classmethod
    def tearDownClass(cls):
        cls.remote.close()
        cls.d.close()

    def waiting(self):
        return self.d.get("/v1/status", timeout=3).json()["api"]["long_polls_waiting"]

    def test_status_answers_while_every_long_poll_waits(self):
        results, events = [], []
        sse_conns = []
        last = self.d.get("/v1/events?timeout_ms=0").json()["last_seq"]

        def poll(path):
            status = self.d.get(path, timeout=WAIT_MS / 1000 + 10).status
            (events if path.startswith("/v1/events") else results).append(status)

        paths = ["/v1/pipes/quiet/recv?timeout_ms=%d" % WAIT_MS] * (MAX_LONG_POLLS - 2)
        paths.append("/v1/events?after=%d&timeout_ms=%d" % (last, WAIT_MS))
        threads = [threading.Thread(target=poll, args=(p,), daemon=True) for p in paths]
        for t in threads:
            t.start()
        # The SSE stream holds a ticket for its whole life.
        host, port = self.d.tcp_endpoint(4)
        sse = http.client.HTTPConnection(host, port, timeout=10)
        sse_conns.append(sse)
        sse.request("GET", "/v1/events", headers={"Host": "%s:%d" % (host, port), "Accept": "text/event-stream",
                                                  "Authorization": "Bearer " + self.d.token})
        self.assertEqual(sse.getresponse().status, 200)
        try:
            self.assertTrue(wait_for(lambda: self.waiting() == MAX_LONG_POLLS, timeout=5), self.waiting())
            # More waiting polls than HTTP threads: short requests still answer at once.
            for _ in range(5):
                start = time.monotonic()
                r = self.d.get("/v1/status", timeout=3)
                self.assertEqual(r.status, 200, r.body)
                self.assertLess(time.monotonic() - start, 0.5)
            # One more long poll: 503 busy at once, as documented.
            start = time.monotonic()
            r = self.d.get("/v1/pipes/quiet/recv?timeout_ms=%d" % WAIT_MS, timeout=3)
            self.assertLess(time.monotonic() - start, 0.5)
            self.assertEqual(r.status, 503, r.body)
            self.assertEqual(r.json()["error"], "busy")
            self.assertEqual(r.headers.get("Retry-After"), "1")
            r = self.d.get("/v1/events?after=%d&timeout_ms=%d" % (last, WAIT_MS), timeout=3)
            self.assertEqual((r.status, r.json()["error"]), (503, "busy"))
            # A message on the pipe: one waiting recv gets it while the others keep waiting.
            host_l, port_l = self.d.get("/v1/pipes/quiet").json()["pipe"]["local"].rsplit(":", 1)
            self.remote.sendto(b"hello", (host_l, int(port_l)))
            self.assertTrue(wait_for(lambda: results.count(200) == 1, timeout=3), results)
        finally:
            for c in sse_conns:
                c.close()
        for t in threads:
            t.join(WAIT_MS / 1000 + 10)
        self.assertEqual(sorted(results), [200] + [504] * (MAX_LONG_POLLS - 3), results)
        self.assertIn(events, ([200], [504]))  # an event may come while it waits
        self.assertTrue(wait_for(lambda: self.waiting() == 0, timeout=5), self.waiting())


if __name__ == "__main__":
    main()
