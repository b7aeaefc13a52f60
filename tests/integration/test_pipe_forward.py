"""Loopback forwards of plain pipes (POST /v1/pipes/<name>/forward) against the real
daemon: a TCP pipe to a server this test runs, its forwarded port carrying bytes both
ways; closing either side closing the other (and the pipe); a UDP pipe's forwarded port
carrying datagrams exactly; 1 GiB through a forwarded port with its SHA-256 checked; and
the errors a forward gets (not loopback, twice, unknown pipe)."""
import os
import socket

from p2pd_harness import Daemon, DaemonTestCase, main
from pipe_client import PipeCalls, recv_exactly, stream_both_ways, wait_for

SANITIZED = os.environ.get("P2PD_SANITIZED", "0") not in ("", "0", "OFF", "FALSE")
BIG = (64 if SANITIZED else 1024) << 20


class PipeForward(PipeCalls, DaemonTestCase):
    # -- tests ---------------------------------------------------------------------------
    def test_tcp_forward_bytes_both_ways_local_close_closes_the_remote(self):
        server = self.tcp_pipe_to_listener(self.d, "fw1", proto="tcp")
        try:
            port = self.forward_port(self.d, "fw1")
            view = self.pipe_view(self.d, "fw1")
            self.assertEqual(view["attachment"]["kind"], "forward", view)
            app = socket.create_connection(("127.0.0.1", port), timeout=5)
            self.assertTrue(wait_for(lambda: self.pipe_view(self.d, "fw1")["attachment"]["connected"]))
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
            self.assertTrue(wait_for(lambda: self.gone(self.d, "fw1")), self.pipe_view(self.d, "fw1"))
        finally:
            server.close()
            self.d.request("DELETE", "/v1/pipes/fw1")

    def test_tcp_forward_remote_close_closes_the_local_program(self):
        server = self.tcp_pipe_to_listener(self.d, "fw2", proto="tcp")
        try:
            port = self.forward_port(self.d, "fw2")
            app = socket.create_connection(("127.0.0.1", port), timeout=5)
            self.assertTrue(wait_for(lambda: self.pipe_view(self.d, "fw2")["attachment"]["connected"]))
            server.sendall(b"last words")
            server.close()
            self.assertEqual(recv_exactly(app, 10), b"last words")
            self.assertEqual(app.recv(100), b"")  # FIN passed on
            app.close()
            self.assertTrue(wait_for(lambda: self.gone(self.d, "fw2")), self.pipe_view(self.d, "fw2"))
        finally:
            server.close()

    def test_closing_the_pipe_closes_the_forwarded_connection(self):
        server = self.tcp_pipe_to_listener(self.d, "fw3", proto="tcp")
        try:
            port = self.forward_port(self.d, "fw3")
            app = socket.create_connection(("127.0.0.1", port), timeout=5)
            self.assertTrue(wait_for(lambda: self.pipe_view(self.d, "fw3")["attachment"]["connected"]))
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
        server = self.tcp_pipe_to_listener(self.d, "fw4", proto="tcp")
        try:
            server.sendall(b"early bytes")
            self.assertTrue(wait_for(lambda: self.pipe_view(self.d, "fw4")["bytes_in"] == 11))
            port = self.forward_port(self.d, "fw4")
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
            port = self.forward_port(self.d, "ufw")
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
            view = self.pipe_view(self.d, "ufw")
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
        server = self.tcp_pipe_to_listener(self.d, "big", proto="tcp")
        try:
            port = self.forward_port(self.d, "big")
            app = socket.create_connection(("127.0.0.1", port), timeout=5)
            app.settimeout(120)
            server.settimeout(120)
            back = 8 << 20
            results, elapsed, stalled = stream_both_ways(app, server, BIG, back, timeout=120)
            self.assertFalse(stalled, "transfer stalled: %s" % results)
            self.assert_streamed(results["ab"], BIG)
            self.assert_streamed(results["ba"], back)
            print("forwarded port: %d MiB in %.1f s (%.0f MiB/s)" % (BIG >> 20, elapsed, (BIG >> 20) / elapsed))
            self.assertLess(elapsed, 60)
            view = wait_for(lambda: self.pipe_view(self.d, "big"), timeout=1) or {}
            if view:
                self.assertEqual(view["bytes_out"], BIG)
            app.close()
            server.close()
            self.assertTrue(wait_for(lambda: self.gone(self.d, "big")))
        finally:
            server.close()
            self.d.request("DELETE", "/v1/pipes/big")

    def test_forward_errors(self):
        server = self.tcp_pipe_to_listener(self.d, "fwe", proto="tcp")
        try:
            for listen, status in [("10.1.2.3:0", 400), ("0.0.0.0:0", 400), ("nonsense", 400), ("127.0.0.1", 400)]:
                r = self.d.request("POST", "/v1/pipes/fwe/forward", {"listen": listen})
                self.assertEqual(r.status, status, (listen, r.body))
                self.assertEqual(r.json()["error"], "bad_request")
            r = self.d.request("POST", "/v1/pipes/fwe/forward", {"port": 5})
            self.assertEqual(r.status, 400, r.body)
            self.forward_port(self.d, "fwe")
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
