"""/v1/pipes against the real daemon: client pipes over TCP and UDP (IPv4 and IPv6) to
echo servers this test runs on loopback; send (JSON text, base64, raw binary), recv
long polls (JSON and raw), subscriptions with filters, list, inspect, close, and the
errors bad input gets."""
import base64
import socket
import socketserver
import threading
import time
import unittest

from p2pd_harness import Daemon, DaemonTestCase, ipv6_loopback_available, main


class TcpEcho(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, family=socket.AF_INET):
        self.address_family = family
        host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
        self.connections = []

        class Handler(socketserver.BaseRequestHandler):
            def handle(inner):
                self.connections.append(inner.request)
                while True:
                    try:
                        data = inner.request.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    inner.request.sendall(data)

        super().__init__((host, 0), Handler)
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def close(self):
        self.shutdown()
        for c in self.connections:
            try:
                c.close()
            except OSError:
                pass
        self.server_close()


class UdpEcho:
    def __init__(self, family=socket.AF_INET):
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.senders = []
        self.running = True
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        self.sock.settimeout(0.2)
        while self.running:
            try:
                data, addr = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.senders.append(addr)
            self.sock.sendto(b"echo:" + data, addr)

    def close(self):
        self.running = False
        self.sock.close()


def closed_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PipesApi(DaemonTestCase):
    def open(self, **body):
        r = self.d.request("POST", "/v1/pipes", body=body)
        self.assertEqual(r.status, 201, r.body)
        return r.json()["pipe"]

    def recv(self, name, timeout_ms=3000, sub=None, raw=False):
        path = "/v1/pipes/%s/recv?timeout_ms=%d" % (name, timeout_ms) + ("&sub=" + sub if sub else "")
        headers = {"Accept": "application/octet-stream"} if raw else None
        return self.d.get(path, headers=headers, timeout=timeout_ms / 1000 + 10)

    def close_pipe(self, name):
        r = self.d.request("DELETE", "/v1/pipes/" + name)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), {"error": 0, "closed": name})

    def test_tcp_pipe_round_trip_v4(self):
        self.tcp_round_trip(socket.AF_INET, "127.0.0.1", "t4")

    @unittest.skipUnless(ipv6_loopback_available(), "no IPv6 loopback")
    def test_tcp_pipe_round_trip_v6(self):
        self.tcp_round_trip(socket.AF_INET6, "::1", "t6")

    def tcp_round_trip(self, family, host, name):
        echo = TcpEcho(family)
        try:
            info = self.open(name=name, host=host, port=echo.port, proto="tcp")
            self.assertEqual(info["name"], name)
            self.assertEqual(info["proto"], "tcp")
            self.assertEqual(info["state"], "open")
            self.assertTrue(info["remote"].endswith(":%d" % echo.port), info)
            r = self.d.request("POST", "/v1/pipes/%s/send" % name, body={"text": "hello pipe"})
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(r.json(), {"error": 0, "pipe": name, "sent": 10})
            m = self.recv(name)
            self.assertEqual(m.status, 200, m.body)
            body = m.json()
            self.assertEqual(body["text"], "hello pipe")
            self.assertEqual(base64.b64decode(body["data_b64"]), b"hello pipe")
            self.assertEqual(body["sub"], "all")
            self.assertTrue(body["from"].endswith(":%d" % echo.port))
            # Binary safe both ways: every byte value, raw body out, raw body back.
            blob = bytes(range(256)) * 4
            r = self.d.request("POST", "/v1/pipes/%s/send" % name, body=blob,
                               headers={"Content-Type": "application/octet-stream"})
            self.assertEqual(r.json()["sent"], len(blob))
            got = b""
            while len(got) < len(blob):
                m = self.recv(name, raw=True)
                self.assertEqual(m.status, 200, m.body)
                self.assertEqual(m.headers.get("Content-Type"), "application/octet-stream")
                self.assertIn("X-P2PD-Seq", m.headers)
                got += m.body
            self.assertEqual(got, blob)
            # The listing and the inspection agree and count the traffic.
            listed = [p for p in self.d.get("/v1/pipes").json()["pipes"] if p["name"] == name]
            self.assertEqual(len(listed), 1)
            one = self.d.get("/v1/pipes/" + name).json()["pipe"]
            self.assertEqual(one["bytes_out"], 10 + len(blob))
            self.assertEqual(one["bytes_in"], 10 + len(blob))
            self.close_pipe(name)
            self.assertEqual(self.d.get("/v1/pipes/" + name).status, 404)
        finally:
            echo.close()

    def test_udp_pipe_datagrams_v4_and_v6(self):
        families = [(socket.AF_INET, "127.0.0.1")]
        if ipv6_loopback_available():
            families.append((socket.AF_INET6, "::1"))
        for family, host in families:
            echo = UdpEcho(family)
            name = "u%d" % (6 if family == socket.AF_INET6 else 4)
            try:
                info = self.open(name=name, host=host, port=echo.port, proto="udp")
                self.assertEqual(info["proto"], "udp")
                payloads = [b"one", b"\x00\xff\x00binary", b"x" * 1200]
                for p in payloads:
                    r = self.d.request("POST", "/v1/pipes/%s/send" % name,
                                       body={"data_b64": base64.b64encode(p).decode()})
                    self.assertEqual(r.json()["sent"], len(p), r.body)
                for p in payloads:  # one datagram per message, exactly
                    m = self.recv(name)
                    self.assertEqual(m.status, 200, m.body)
                    self.assertEqual(base64.b64decode(m.json()["data_b64"]), b"echo:" + p)
                self.close_pipe(name)
            finally:
                echo.close()

    def test_long_poll_waits_for_a_later_message_and_times_out(self):
        echo = TcpEcho()
        try:
            self.open(name="lp", host="127.0.0.1", port=echo.port)
            t0 = time.monotonic()
            r = self.recv("lp", timeout_ms=300)
            self.assertEqual(r.status, 504)
            self.assertEqual(r.json()["error"], "timeout")
            self.assertGreaterEqual(time.monotonic() - t0, 0.28)
            r = self.recv("lp", timeout_ms=0)
            self.assertEqual(r.status, 504)
            result = {}

            def wait():
                result["r"] = self.recv("lp", timeout_ms=5000)

            waiter = threading.Thread(target=wait)
            waiter.start()
            time.sleep(0.3)
            self.d.request("POST", "/v1/pipes/lp/send", body=b"late", headers={"Content-Type": "text/plain"})
            waiter.join(10)
            self.assertEqual(result["r"].status, 200, result["r"].body)
            self.assertEqual(result["r"].json()["text"], "late")
            # The abandoned poll above did not eat a message: the next one is still there.
            self.d.request("POST", "/v1/pipes/lp/send", body={"text": "next"})
            self.assertEqual(self.recv("lp").json()["text"], "next")
            self.close_pipe("lp")
        finally:
            echo.close()

    def test_subscriptions_filter_into_their_own_queues(self):
        echo = TcpEcho()
        try:
            self.open(name="subs", host="127.0.0.1", port=echo.port, framing="line")
            r = self.d.request("POST", "/v1/pipes/subs/subs", body={"id": "errs", "match": "^ERR [0-9]+"})
            self.assertEqual(r.status, 201, r.body)
            self.assertEqual(r.json()["sub"]["id"], "errs")
            r = self.d.request("POST", "/v1/pipes/subs/subs", body={"prefix": "INFO"})
            self.assertEqual(r.status, 201, r.body)
            auto_id = r.json()["sub"]["id"]
            self.assertEqual(self.d.request("POST", "/v1/pipes/subs/subs", body={"id": "errs"}).status, 409)
            self.assertEqual(self.d.request("POST", "/v1/pipes/subs/subs", body={"id": "all"}).status, 400)
            self.assertEqual(self.d.request("POST", "/v1/pipes/subs/subs", body={"match": "("}).status, 400)
            self.assertEqual(self.d.request("POST", "/v1/pipes/subs/subs", body={"colour": "x"}).status, 400)
            for line in ["INFO started", "ERR 42 broken", "plain", "ERR x not a code"]:
                self.d.request("POST", "/v1/pipes/subs/send", body={"text": line})
            self.assertEqual(self.recv("subs", sub="errs").json()["text"], "ERR 42 broken")
            self.assertEqual(self.recv("subs", sub=auto_id).json()["text"], "INFO started")
            self.assertEqual(self.recv("subs", sub="errs", timeout_ms=200).status, 504)
            texts = [self.recv("subs").json()["text"] for _ in range(4)]
            self.assertEqual(texts, ["INFO started", "ERR 42 broken", "plain", "ERR x not a code"])
            r = self.d.request("DELETE", "/v1/pipes/subs/subs/errs")
            self.assertEqual(r.json(), {"error": 0, "pipe": "subs", "unsubscribed": "errs"})
            self.assertEqual(self.recv("subs", sub="errs", timeout_ms=100).status, 404)
            self.assertEqual(self.d.request("DELETE", "/v1/pipes/subs/subs/errs").status, 404)
            self.assertEqual(self.d.request("DELETE", "/v1/pipes/subs/subs/all").status, 400)
            self.close_pipe("subs")
        finally:
            echo.close()

    def test_remote_close_keeps_unread_messages_then_closes(self):
        echo = TcpEcho()
        try:
            self.open(name="rc", host="127.0.0.1", port=echo.port)
            self.d.request("POST", "/v1/pipes/rc/send", body={"text": "bye"})
            deadline = time.monotonic() + 5
            while self.d.get("/v1/pipes/rc").json()["pipe"]["messages_in"] < 1 and time.monotonic() < deadline:
                time.sleep(0.02)
            for c in echo.connections:
                c.shutdown(socket.SHUT_RDWR)
            state = None
            while time.monotonic() < deadline:
                state = self.d.get("/v1/pipes/rc").json()["pipe"]["state"]
                if state != "open":
                    break
                time.sleep(0.02)
            self.assertEqual(state, "remote_closed")  # an unread message keeps it readable
            self.assertEqual(self.recv("rc").json()["text"], "bye")
            while time.monotonic() < deadline:  # drained: it closes and leaves the table
                r = self.d.get("/v1/pipes/rc")
                if r.status == 404:
                    break
                time.sleep(0.02)
            self.assertEqual(r.status, 404)
            r = self.recv("rc", timeout_ms=200)
            self.assertEqual(r.status, 404)
        finally:
            echo.close()

    def test_errors(self):
        echo = TcpEcho()
        try:
            self.open(name="dup", host="127.0.0.1", port=echo.port)
            r = self.d.request("POST", "/v1/pipes", body={"name": "dup", "host": "127.0.0.1", "port": echo.port})
            self.assertEqual(r.status, 409)
            self.assertEqual(r.json()["error"], "conflict")
            for bad in ["all", "self"]:
                r = self.d.request("POST", "/v1/pipes", body={"name": bad, "host": "127.0.0.1", "port": echo.port})
                self.assertEqual(r.status, 400, bad)
                self.assertEqual(r.json()["error"], "reserved_name")
            for body in [{"host": "127.0.0.1", "port": 1}, {"name": "x", "port": 1}, {"name": "x", "host": "127.0.0.1"},
                         {"name": "x", "host": "127.0.0.1", "port": 70000}, {"name": "x y", "host": "127.0.0.1", "port": 1},
                         {"name": "x", "host": "127.0.0.1", "port": 1, "proto": "sctp"},
                         {"name": "x", "host": "127.0.0.1", "port": 1, "proto": "udp", "framing": "line"},
                         {"name": "x", "host": "127.0.0.1", "port": 1, "framing": "xml"},
                         {"name": "x", "host": "127.0.0.1", "port": 1, "colour": "blue"},
                         {"name": 5, "host": "127.0.0.1", "port": 1}]:
                r = self.d.request("POST", "/v1/pipes", body=body)
                self.assertEqual(r.status, 400, (body, r.body))
                self.assertEqual(r.json()["error"], "bad_request")
            r = self.d.request("POST", "/v1/pipes", body=b"{nope", headers={"Content-Type": "application/json"})
            self.assertEqual(r.status, 400)
            # "to" with host/port: a peer pipe takes no host (tests/integration/test_peer_pipes.py).
            r = self.d.request("POST", "/v1/pipes", body={"name": "peer", "to": "self", "port": 1})
            self.assertEqual(r.status, 400, r.body)
            r = self.d.request("POST", "/v1/pipes", body={"name": "refused", "host": "127.0.0.1", "port": closed_port()})
            self.assertEqual(r.status, 502, r.body)
            self.assertEqual(r.json()["error"], "unreachable")
            self.assertEqual(self.d.get("/v1/pipes/refused").status, 404)
            for method, path in [("GET", "/v1/pipes/nope"), ("DELETE", "/v1/pipes/nope"),
                                 ("GET", "/v1/pipes/nope/recv?timeout_ms=100"),
                                 ("POST", "/v1/pipes/nope/subs"), ("DELETE", "/v1/pipes/nope/subs/s1")]:
                r = self.d.request(method, path, body={} if method == "POST" else None)
                self.assertEqual(r.status, 404, path)
                self.assertEqual(r.json()["error"], "not_found")
            r = self.d.request("POST", "/v1/pipes/nope/send", body={"text": "x"})
            self.assertEqual(r.status, 404)
            r = self.d.request("POST", "/v1/pipes/dup/send", body={"data_b64": "@@@"})
            self.assertEqual(r.status, 400)
            r = self.d.request("POST", "/v1/pipes/dup/send", body={"text": "a", "data_b64": "YQ=="})
            self.assertEqual(r.status, 400)
            r = self.d.request("POST", "/v1/pipes/dup/send", body={"text": "a", "to": "127.0.0.1:9"})
            self.assertEqual(r.status, 400, r.body)  # a TCP pipe has one remote
            r = self.d.request("POST", "/v1/pipes/dup/send", body={"text": "a", "to": "nonsense"})
            self.assertEqual(r.status, 400)
            r = self.d.get("/v1/pipes/dup/recv?timeout_ms=soon")
            self.assertEqual(r.status, 400)
            r = self.d.get("/v1/pipes/dup/recv?timeout_ms=100&sub=nosuch")
            self.assertEqual(r.status, 404)
            self.close_pipe("dup")
            # The daemon is still fine after all that.
            self.assertEqual(self.d.get("/v1/status").status, 200)
        finally:
            echo.close()


if __name__ == "__main__":
    main()
