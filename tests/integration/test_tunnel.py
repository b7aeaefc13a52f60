"""GET /tunnel/<c> against the real daemon: the HTTP connection itself becomes a raw
two-way relay with a pipe (no HTTP response; bytes sent with the head go through too),
after a normal request on the same keep-alive connection, with the head split across
packets; 32 MiB both ways SHA-256 checked; closing either side closes the other; a UDP
pipe; and the refusals (no token, bad Host, bad Origin, unknown pipe, a pipe already
forwarded, the unix socket) answered as HTTP errors with P2PD's codes."""
import json
import socket
import time
import unittest

from p2pd_harness import Daemon, main
from pipe_client import PipeCalls, recv_exactly, stream_both_ways, wait_for

SIZE = 32 << 20


def read_response(sock):
    """One HTTP response: (status, headers dict, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError("connection closed before a response: %r" % data)
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        body += sock.recv(65536)
    return status, headers, body[:length]


class Tunnel(PipeCalls, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()
        cls.host, cls.port = cls.d.tcp_endpoint(4)

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    # -- helpers -------------------------------------------------------------------------
    def head(self, name, host=None, token=True, extra=""):
        lines = ["GET /tunnel/%s HTTP/1.1" % name, "Host: %s" % (host or "%s:%d" % (self.host, self.port))]
        if token:
            lines.append("Authorization: Bearer " + self.d.token)
        return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()

    def api_socket(self):
        return socket.create_connection((self.host, self.port), timeout=10)

    def attachment(self, name):
        r = self.d.get("/v1/pipes/" + name)
        return r.json()["pipe"]["attachment"] if r.status == 200 else None

    def refused(self, data, via_unix=False):
        if via_unix:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(10)
            s.connect(self.d.unix_path())
        else:
            s = self.api_socket()
        with s:
            s.sendall(data)
            status, headers, body = read_response(s)
            return status, json.loads(body)

    # -- tests ---------------------------------------------------------------------------
    def test_bytes_both_ways_then_the_client_closes(self):
        server = self.tcp_pipe_to_listener(self.d, "tn1")
        try:
            api = self.api_socket()
            api.sendall(self.head("tn1") + b"sent with the head\x00\xff")  # no response comes
            self.assertEqual(recv_exactly(server, 20), b"sent with the head\x00\xff")
            self.assertEqual(self.attachment("tn1"), {"kind": "tunnel", "listen": None, "connected": True})
            server.sendall(b"HTTP/1.1 not a response, just bytes")
            self.assertEqual(recv_exactly(api, 35), b"HTTP/1.1 not a response, just bytes")
            api.close()
            server.settimeout(5)
            self.assertEqual(server.recv(10), b"")
            server.close()
            self.assertTrue(wait_for(lambda: self.gone(self.d, "tn1")))
        finally:
            server.close()
            self.d.request("DELETE", "/v1/pipes/tn1")

    def test_remote_close_closes_the_http_connection(self):
        server = self.tcp_pipe_to_listener(self.d, "tn2")
        try:
            api = self.api_socket()
            api.sendall(self.head("tn2"))
            self.assertTrue(wait_for(lambda: (self.attachment("tn2") or {}).get("connected")))
            server.sendall(b"bye")
            server.close()
            self.assertEqual(recv_exactly(api, 3), b"bye")
            self.assertEqual(api.recv(10), b"")
            api.close()
            self.assertTrue(wait_for(lambda: self.gone(self.d, "tn2")))
        finally:
            server.close()

    def test_after_a_keep_alive_request_and_with_a_split_head(self):
        server = self.tcp_pipe_to_listener(self.d, "tn3")
        try:
            api = self.api_socket()
            host = "%s:%d" % (self.host, self.port)
            api.sendall(("GET /v1/pipes/tn3 HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n"
                         % (host, self.d.token)).encode())
            status, _, body = read_response(api)
            self.assertEqual(status, 200, body)
            head = self.head("tn3")
            api.sendall(head[:9])  # "GET /tunn"
            time.sleep(0.05)
            api.sendall(head[9:30])
            time.sleep(0.05)
            api.sendall(head[30:])
            self.assertTrue(wait_for(lambda: (self.attachment("tn3") or {}).get("connected")))
            api.sendall(b"ping")
            self.assertEqual(recv_exactly(server, 4), b"ping")
            api.close()
        finally:
            server.close()
            self.d.request("DELETE", "/v1/pipes/tn3")

    def test_a_large_stream_both_ways(self):
        server = self.tcp_pipe_to_listener(self.d, "tnbig")
        try:
            api = self.api_socket()
            api.sendall(self.head("tnbig"))
            api.settimeout(60)
            server.settimeout(60)
            results, _, stalled = stream_both_ways(api, server, SIZE, SIZE, timeout=60)
            self.assertFalse(stalled, "transfer stalled: %s" % results)
            self.assert_streamed(results["ab"], SIZE)
            self.assert_streamed(results["ba"], SIZE)
            api.close()
            server.close()
            self.assertTrue(wait_for(lambda: self.gone(self.d, "tnbig")))
        finally:
            server.close()
            self.d.request("DELETE", "/v1/pipes/tnbig")

    def test_udp_pipe_datagrams_become_stream_bytes(self):
        remote = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        remote.bind(("127.0.0.1", 0))
        remote.settimeout(5)
        try:
            r = self.d.request("POST", "/v1/pipes", {"name": "tnu", "host": "127.0.0.1",
                                                     "port": remote.getsockname()[1], "proto": "udp"})
            self.assertEqual(r.status, 201, r.body)
            api = self.api_socket()
            api.sendall(self.head("tnu") + b"dgram")
            data, pipe_addr = remote.recvfrom(65536)
            self.assertEqual(data, b"dgram")
            remote.sendto(b"one", pipe_addr)
            remote.sendto(b"two", pipe_addr)
            self.assertEqual(recv_exactly(api, 6), b"onetwo")
            api.close()  # the local end finished: a datagram pipe has no half-close
            self.assertTrue(wait_for(lambda: self.gone(self.d, "tnu")))
        finally:
            remote.close()
            self.d.request("DELETE", "/v1/pipes/tnu")

    def test_refusals_are_http_errors(self):
        server = self.tcp_pipe_to_listener(self.d, "tnr")
        try:
            status, body = self.refused(self.head("tnr", token=False))
            self.assertEqual((status, body["error"]), (401, 5), body)
            status, body = self.refused(self.head("tnr", host="evil.example"))
            self.assertEqual((status, body["error"]), (403, 5), body)
            status, body = self.refused(self.head("tnr", extra="Origin: http://evil.example\r\n"))
            self.assertEqual((status, body["error"]), (403, 5), body)
            status, body = self.refused(self.head("nosuch"))
            self.assertEqual((status, body["error"]), (404, 5), body)
            self.assertIn("nosuch", body["msg"])
            status, body = self.refused(b"GET /tunnel/tnr HTTP/1.1\r\nHost: localhost\r\n\r\n", via_unix=True)
            self.assertEqual((status, body["error"]), (400, 5), body)
            self.assertIn("unix", body["msg"])
            r = self.d.request("POST", "/v1/pipes/tnr/forward", {})
            self.assertEqual(r.status, 201, r.body)
            status, body = self.refused(self.head("tnr"))
            self.assertEqual((status, body["error"]), (409, 5), body)
            # None of that touched the pipe: it is open and still forwarded.
            self.assertEqual(self.attachment("tnr")["kind"], "forward")
            self.assertEqual(self.d.get("/v1/status").status, 200)
        finally:
            server.close()
            self.d.request("DELETE", "/v1/pipes/tnr")


if __name__ == "__main__":
    main()
