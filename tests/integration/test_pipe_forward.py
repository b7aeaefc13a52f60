"""Loopback forwards of plain pipes (POST /v1/pipes/<name>/forward) against the real
daemon: a TCP pipe to a server this test runs, its forwarded port carrying bytes both
ways; closing either side closing the other (and the pipe); a UDP pipe's forwarded port
carrying datagrams exactly; 1 GiB through a forwarded port with its SHA-256 checked; and
the errors a forward gets (not loopback, twice, unknown pipe)."""
import hashlib
import os
import socket
import threading
import time
import unittest

from p2pd_harness import Daemon, main

SANITIZED = os.environ.get("P2PD_SANITIZED", "0") not in ("", "0", "OFF", "FALSE")
BIG = (64 if SANITIZED else 1024) << 20


def wait_for(predicate, timeout=5.0, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def pattern(size, seed):
    """Deterministic bytes in 1 MiB chunks; each chunk differs (its index is in it), so a
    lost, repeated or reordered chunk changes the digest."""
    base = hashlib.sha256(seed.encode()).digest() * (1 << 15)
    for i, off in enumerate(range(0, size, len(base))):
        chunk = i.to_bytes(8, "big") + base[8:]
        yield chunk[: min(len(chunk), size - off)]


def recv_all(sock, bufsize=1 << 20):
    """Reads to EOF; returns (byte count, sha256 hex)."""
    h = hashlib.sha256()
    n = 0
    while True:
        data = sock.recv(bufsize)
        if not data:
            return n, h.hexdigest()
        h.update(data)
        n += len(data)


def recv_exactly(sock, n, timeout=10):
    sock.settimeout(timeout)
    got = b""
    while len(got) < n:
        data = sock.recv(n - len(got))
        if not data:
            break
        got += data
    return got


class PipeForward(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    # -- helpers -------------------------------------------------------------------------
    def tcp_pipe(self, name):
        """A TCP pipe to a listener of this test; returns the server side's socket."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        try:
            r = self.d.request("POST", "/v1/pipes", {"name": name, "host": "127.0.0.1",
                                                     "port": listener.getsockname()[1], "proto": "tcp"})
            self.assertEqual(r.status, 201, r.body)
            listener.settimeout(5)
            server_side, _ = listener.accept()
            return server_side
        finally:
            listener.close()

    def forward(self, pipe, listen="127.0.0.1:0"):
        r = self.d.request("POST", "/v1/pipes/%s/forward" % pipe, {"listen": listen})
        self.assertEqual(r.status, 201, r.body)
        body = r.json()
        self.assertEqual(body["pipe"], pipe)
        self.assertEqual(body["listen"], "127.0.0.1:%d" % body["port"])
        return body["port"]

    def pipe_view(self, name):
        r = self.d.get("/v1/pipes/" + name)
        return r.json()["pipe"] if r.status == 200 else None

    def gone(self, name):
        return self.d.get("/v1/pipes/" + name).status == 404

    # -- tests ---------------------------------------------------------------------------
    def test_tcp_forward_bytes_both_ways_local_close_closes_the_remote(self):
        server = self.tcp_pipe("fw1")
        try:
            port = self.forward("fw1")
            view = self.pipe_view("fw1")
            self.assertEqual(view["attachment"]["kind"], "forward", view)
            app = socket.create_connection(("127.0.0.1", port), timeout=5)
            self.assertTrue(wait_for(lambda: self.pipe_view("fw1")["attachment"]["connected"]))
            app.sendall(b"to the server\x00\xff")
            self.assertEqual(recv_exactly(server, 15), b"to the server\x00\xff")
            server.sendall(b"to the app\r\n")
            self.assertEqual(recv_exactly(app, 12), b"to the app\r\n")
            # The port served its one connection: a second program is not let in.
            with self.assertRaises(OSError):
                extra = socket.create_connection(("127.0.0.1", port), timeout=2)
                extra.settimeout(2)
                if extra.recv(1) == b"":
                    raise ConnectionResetError("closed at once")
            # The local program leaves: the server gets EOF, and when it closes too the pipe is gone.
            app.close()
            server.settimeout(5)
            self.assertEqual(server.recv(100), b"")
            server.close()
            self.assertTrue(wait_for(lambda: self.gone("fw1")), self.pipe_view("fw1"))
        finally:
            server.close()
            self.d.request("DELETE", "/v1/pipes/fw1")

    def test_tcp_forward_remote_close_closes_the_local_program(self):
        server = self.tcp_pipe("fw2")
        try:
            port = self.forward("fw2")
            app = socket.create_connection(("127.0.0.1", port), timeout=5)
            self.assertTrue(wait_for(lambda: self.pipe_view("fw2")["attachment"]["connected"]))
            server.sendall(b"last words")
            server.close()
            self.assertEqual(recv_exactly(app, 10), b"last words")
            self.assertEqual(app.recv(100), b"")  # FIN passed on
            app.close()
            self.assertTrue(wait_for(lambda: self.gone("fw2")), self.pipe_view("fw2"))
        finally:
            server.close()

    def test_closing_the_pipe_closes_the_forwarded_connection(self):
        server = self.tcp_pipe("fw3")
        try:
            port = self.forward("fw3")
            app = socket.create_connection(("127.0.0.1", port), timeout=5)
            self.assertTrue(wait_for(lambda: self.pipe_view("fw3")["attachment"]["connected"]))
            r = self.d.request("DELETE", "/v1/pipes/fw3")
            self.assertEqual(r.status, 200, r.body)
            app.settimeout(5)
            self.assertEqual(app.recv(100), b"")
            server.settimeout(5)
            self.assertEqual(server.recv(100), b"")
            app.close()
        finally:
            server.close()

    def test_messages_queued_before_the_forward_reach_the_local_program(self):
        server = self.tcp_pipe("fw4")
        try:
            server.sendall(b"early bytes")
            self.assertTrue(wait_for(lambda: self.pipe_view("fw4")["bytes_in"] == 11))
            port = self.forward("fw4")
            app = socket.create_connection(("127.0.0.1", port), timeout=5)
            self.assertEqual(recv_exactly(app, 11), b"early bytes")
            # The REST queue gave them to the relay: nothing is left for /recv.
            self.assertEqual(self.d.get("/v1/pipes/fw4/recv?timeout_ms=0").status, 504)
            app.close()
        finally:
            server.close()
            self.d.request("DELETE", "/v1/pipes/fw4")

    def test_udp_forward_carries_datagrams_exactly(self):
        remote = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        remote.bind(("127.0.0.1", 0))
        remote.settimeout(5)
        app = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        app.settimeout(5)
        try:
            r = self.d.request("POST", "/v1/pipes", {"name": "ufw", "host": "127.0.0.1",
                                                     "port": remote.getsockname()[1], "proto": "udp"})
            self.assertEqual(r.status, 201, r.body)
            port = self.forward("ufw")
            payloads = [b"one", b"", b"\x00\xff\x00binary", b"x" * 1400, bytes(range(256)) * 32]
            pipe_addr = None
            for p in payloads:
                app.sendto(p, ("127.0.0.1", port))
                data, pipe_addr = remote.recvfrom(65536)
                self.assertEqual(data, p)  # one datagram each, boundaries kept
            for p in payloads:
                remote.sendto(b"back:" + p, pipe_addr)
                data, src = app.recvfrom(65536)
                self.assertEqual(data, b"back:" + p)
                self.assertEqual(src, ("127.0.0.1", port))
            view = self.pipe_view("ufw")
            self.assertEqual(view["attachment"]["kind"], "forward")
            self.assertTrue(view["attachment"]["connected"])
            r = self.d.request("DELETE", "/v1/pipes/ufw/forward")
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(r.json(), {"error": 0, "pipe": "ufw", "unforwarded": True})
            # Unforwarded: the pipe's datagrams queue for /recv again.
            remote.sendto(b"queued", pipe_addr)
            m = self.d.get("/v1/pipes/ufw/recv?timeout_ms=3000")
            self.assertEqual(m.status, 200, m.body)
            self.assertEqual(m.json()["text"], "queued")
        finally:
            remote.close()
            app.close()
            self.d.request("DELETE", "/v1/pipes/ufw")

    def test_one_gib_through_a_forwarded_port_sha256_checked(self):
        server = self.tcp_pipe("big")
        try:
            port = self.forward("big")
            app = socket.create_connection(("127.0.0.1", port), timeout=5)
            app.settimeout(120)
            server.settimeout(120)
            results = {}

            def pump(sock, size, seed, key):
                h = hashlib.sha256()
                for chunk in pattern(size, seed):
                    sock.sendall(chunk)
                    h.update(chunk)
                sock.shutdown(socket.SHUT_WR)
                results[key] = h.hexdigest()

            def drain(sock, key):
                results[key] = recv_all(sock)

            back = 8 << 20
            threads = [threading.Thread(target=pump, args=(app, BIG, "up", "up.sent")),
                       threading.Thread(target=drain, args=(server, "up.got")),
                       threading.Thread(target=pump, args=(server, back, "down", "down.sent")),
                       threading.Thread(target=drain, args=(app, "down.got"))]
            start = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            elapsed = time.monotonic() - start
            self.assertFalse(any(t.is_alive() for t in threads), "transfer stalled: %s" % results)
            self.assertEqual(results["up.got"], (BIG, results["up.sent"]))
            self.assertEqual(results["down.got"], (back, results["down.sent"]))
            print("forwarded port: %d MiB in %.1f s (%.0f MiB/s)" % (BIG >> 20, elapsed, (BIG >> 20) / elapsed))
            self.assertLess(elapsed, 60)
            view = wait_for(lambda: self.pipe_view("big"), timeout=1) or {}
            if view:
                self.assertEqual(view["bytes_out"], BIG)
            app.close()
            server.close()
            self.assertTrue(wait_for(lambda: self.gone("big")))
        finally:
            server.close()
            self.d.request("DELETE", "/v1/pipes/big")

    def test_forward_errors(self):
        server = self.tcp_pipe("fwe")
        try:
            for listen, status in [("10.1.2.3:0", 400), ("0.0.0.0:0", 400), ("nonsense", 400), ("127.0.0.1", 400)]:
                r = self.d.request("POST", "/v1/pipes/fwe/forward", {"listen": listen})
                self.assertEqual(r.status, status, (listen, r.body))
                self.assertEqual(r.json()["error"], "bad_request")
            r = self.d.request("POST", "/v1/pipes/fwe/forward", {"port": 5})
            self.assertEqual(r.status, 400, r.body)
            self.forward("fwe")
            r = self.d.request("POST", "/v1/pipes/fwe/forward", {})
            self.assertEqual(r.status, 409, r.body)
            self.assertEqual(r.json()["error"], "conflict")
            r = self.d.request("POST", "/v1/pipes/nope/forward", {})
            self.assertEqual(r.status, 404, r.body)
            self.assertEqual(r.json()["error"], "not_found")
            r = self.d.request("DELETE", "/v1/pipes/nope/forward")
            self.assertEqual(r.status, 404, r.body)
            self.assertEqual(self.d.request("DELETE", "/v1/pipes/fwe/forward").status, 200)
            r = self.d.request("DELETE", "/v1/pipes/fwe/forward")
            self.assertEqual(r.status, 404, r.body)
        finally:
            server.close()
            self.d.request("DELETE", "/v1/pipes/fwe")


if __name__ == "__main__":
    main()
