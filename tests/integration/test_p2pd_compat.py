"""P2PD's pipe routes (/send, /recv, /binary, /sub, /close) against the real daemon,
on pipes to TCP and UDP servers this test runs on loopback. The first test replays
P2PD's documented REST session with curl against a daemon configured as P2PD is
(api.token_required false: no token); the rest check P2PD's error numbers, binary
safety and the option forms."""
import json
import subprocess
import threading
import time
import unittest
import urllib.parse

from p2pd_harness import Daemon, main
from test_pipes_api import TcpEcho, UdpEcho  # UdpEcho answers "echo:" + the datagram

TEST_LINE = "long_p2pd_test_string_abcd123"


def en(text):
    """encodeURIComponent, as P2PD's JavaScript example does."""
    return urllib.parse.quote(text, safe="")


class P2pdSession(unittest.TestCase):
    """P2PD's documented session, with curl, no token (api.token_required false)."""

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(config={"api": {"token_required": False}}).start()
        host, port = cls.d.tcp_endpoint(4)
        cls.base = "http://%s:%d" % (host, port)

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def curl(self, path, method="GET", data=None, raw=False):
        args = ["curl", "-sS", "-X", method, "-w", "\n%{http_code}", self.base + path]
        if data is not None:
            args += ["--data-binary", "@-", "-H", "Content-Type: application/octet-stream"]
        out = subprocess.run(args, input=data, capture_output=True, timeout=20)
        self.assertEqual(out.returncode, 0, out.stderr)
        body, _, status = out.stdout.rpartition(b"\n")
        return int(status), (body if raw else json.loads(body))

    def test_documented_session(self):
        echo = TcpEcho()
        try:
            status, v = self.curl("/version")
            self.assertEqual((status, v["title"], v["error"]), (200, "P2PD", 0))
            # A pipe named con_name (P2PD's /open makes peer pipes; this one goes to a TCP server).
            r = self.d.request("POST", "/v1/pipes", token=False,
                               body={"name": "con_name", "host": "127.0.0.1", "port": echo.port})
            self.assertEqual(r.status, 201, r.body)
            status, sub = self.curl("/sub/con_name/name/sub_name/msg_p/" + en("test"))
            self.assertEqual(status, 200, sub)
            self.assertEqual((sub["error"], sub["name"], sub["con_name"], sub["sub_name"]),
                             (0, "con_name", "con_name", "sub_name"))
            self.assertEqual(sub["sub"]["match"], "test")
            status, sent = self.curl("/send/con_name/" + en(TEST_LINE))
            self.assertEqual((status, sent), (200, {"error": 0, "name": "con_name", "con_name": "con_name",
                                                    "sent": len(TEST_LINE)}))
            status, got = self.curl("/recv/con_name/name/sub_name")
            self.assertEqual(status, 200, got)
            self.assertEqual((got["error"], got["con_name"], got["data"]), (0, "con_name", TEST_LINE))
            self.assertEqual(got["client_tup"], ["127.0.0.1", echo.port])
            # The default subscription got the same message.
            status, got = self.curl("/recv/con_name")
            self.assertEqual((status, got["data"]), (200, TEST_LINE))
            # A message the filter does not match reaches "all" only.
            self.curl("/send/con_name/" + en("no match here"))
            status, got = self.curl("/recv/con_name/timeout/3")
            self.assertEqual((status, got["data"]), (200, "no match here"))
            status, got = self.curl("/recv/con_name/name/sub_name/timeout/0.3")
            self.assertEqual((status, got["error"]), (504, 6), got)
            # Binary both ways: every byte value.
            blob = bytes(range(256)) * 8
            status, sent = self.curl("/binary/con_name", method="POST", data=blob)
            self.assertEqual((status, sent["sent"], sent["con_name"]), (200, len(blob), "con_name"))
            back = b""
            while len(back) < len(blob):
                status, part = self.curl("/binary/con_name/timeout/3", raw=True)
                self.assertEqual(status, 200, part)
                back += part
            self.assertEqual(back, blob)
            # Unsubscribe, then that subscription is gone.
            status, unsub = self.curl("/sub/con_name/name/sub_name", method="DELETE")
            self.assertEqual((status, unsub["error"], unsub["unsub"]), (200, 0, "sub_name"))
            status, got = self.curl("/recv/con_name/name/sub_name/timeout/0")
            self.assertEqual((status, got["error"]), (404, 5), got)
            status, closed = self.curl("/close/con_name")
            self.assertEqual((status, closed), (200, {"closed": "con_name", "error": 0}))
            status, err = self.curl("/send/con_name/x")
            self.assertEqual((status, err["error"]), (404, 5), err)
            self.assertIn("msg", err)
        finally:
            echo.close()


class P2pdRoutes(unittest.TestCase):
    """Error numbers, option forms and binary safety, with the token (the default)."""

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()
        cls.echo = TcpEcho()
        cls.udp = UdpEcho()
        r = cls.d.request("POST", "/v1/pipes", body={"name": "c", "host": "127.0.0.1", "port": cls.echo.port})
        assert r.status == 201, r.body
        r = cls.d.request("POST", "/v1/pipes",
                          body={"name": "u", "host": "127.0.0.1", "port": cls.udp.port, "proto": "udp"})
        assert r.status == 201, r.body

    @classmethod
    def tearDownClass(cls):
        cls.d.close()
        cls.echo.close()
        cls.udp.close()

    def get(self, path, **kw):
        r = self.d.get(path, **kw)
        return r.status, (r.json() if r.headers.get("Content-Type", "").startswith("application/json") else r.body)

    def test_without_token_p2pd_body(self):
        status, body = self.get("/send/c/hi", token=False)
        self.assertEqual((status, body["error"]), (401, 5), body)

    def test_send_text_forms(self):
        # Encoded and unencoded slashes both arrive; %20 is a space; '+' stays '+'.
        status, body = self.get("/send/c/a%2Fb/c%20d+e")
        self.assertEqual((status, body["sent"]), (200, 9), body)
        status, got = self.get("/recv/c/timeout/3")
        self.assertEqual(got["data"], "a/b/c d+e")
        status, body = self.get("/send/c")
        self.assertEqual((status, body["error"]), (400, 8), body)

    def test_recv_non_utf8_has_base64(self):
        r = self.d.request("POST", "/binary/c", body=b"\xff\xfe\x00ok", headers={"Content-Type": "application/octet-stream"})
        self.assertEqual(r.json()["sent"], 5)
        status, got = self.get("/recv/c/timeout/3")
        self.assertEqual(status, 200, got)
        self.assertEqual(got["data_b64"], "//4Ab2s=")

    def test_udp_pipe_client_tup_and_filter_by_address(self):
        status, sub = self.get("/sub/u/name/from_echo/msg_p/%5Eecho%3Aping/addr_p/" + en("('127.0.0.1', %d)" % self.udp.port))
        self.assertEqual(status, 200, sub)
        self.assertEqual(sub["sub"]["from"], "127.0.0.1,%d" % self.udp.port)
        self.get("/send/u/ping%201")
        status, got = self.get("/recv/u/name/from_echo/timeout/3")
        self.assertEqual((status, got["data"], got["client_tup"]), (200, "echo:ping 1", ["127.0.0.1", self.udp.port]))
        status, got = self.get("/recv/u/timeout/3")
        self.assertEqual(got["data"], "echo:ping 1")
        r = self.d.request("DELETE", "/sub/u/name/all")
        self.assertEqual((r.status, r.json()["unsub"]), (200, "all"), r.body)
        status, got = self.get("/recv/u/name/from_echo/timeout/0")
        self.assertEqual((status, got["error"]), (404, 5), got)

    def test_sub_errors(self):
        status, body = self.get("/sub/c/name/dup/msg_p/x")
        self.assertEqual(status, 200, body)
        status, body = self.get("/sub/c/name/dup/msg_p/y")
        self.assertEqual((status, body["error"]), (409, 9), body)
        status, body = self.get("/sub/c/name/all/msg_p/y")
        self.assertEqual((status, body["error"]), (400, 10), body)
        status, body = self.get("/sub/c/name/bad/msg_p/" + en("(unclosed"))
        self.assertEqual((status, body["error"]), (400, 5), body)
        status, body = self.get("/sub/c/msg_p/x")
        self.assertEqual((status, body["error"]), (400, 5), body)
        status, body = self.get("/sub/c/name/x/colour/red")
        self.assertEqual((status, body["error"]), (400, 5), body)
        self.assertIn("unknown option", body["msg"])
        status, body = self.get("/sub/nope/name/x")
        self.assertEqual((status, body["error"]), (404, 5), body)
        r = self.d.request("DELETE", "/sub/c/name/never")
        self.assertEqual((r.status, r.json()["error"]), (404, 5), r.body)
        self.assertEqual(self.d.request("DELETE", "/sub/c/name/dup").status, 200)

    def test_recv_errors_and_timeouts(self):
        t0 = time.monotonic()
        status, body = self.get("/recv/c/name/all/timeout/0.4")
        self.assertEqual((status, body["error"]), (504, 6), body)
        self.assertGreaterEqual(time.monotonic() - t0, 0.38)
        status, body = self.get("/binary/c/timeout/0")
        self.assertEqual((status, body["error"]), (504, 6), body)
        status, body = self.get("/recv/c/timeout/soon")
        self.assertEqual((status, body["error"]), (400, 5), body)
        status, body = self.get("/recv/c/name")
        self.assertEqual((status, body["error"]), (400, 5), body)
        status, body = self.get("/recv/missing")
        self.assertEqual((status, body["error"]), (404, 5), body)
        status, body = self.get("/close/missing")
        self.assertEqual((status, body["error"]), (404, 5), body)

    def test_late_message_reaches_a_waiting_recv(self):
        result = {}
        t = threading.Thread(target=lambda: result.setdefault("r", self.get("/recv/c/timeout/5", timeout=15)))
        t.start()
        time.sleep(0.3)
        self.get("/send/c/late")
        t.join(10)
        self.assertEqual(result["r"][0], 200, result)
        self.assertEqual(result["r"][1]["data"], "late")

    def test_cli_pipes_send_recv_close(self):
        api = ["--api", "unix:" + self.d.unix_path()]
        echo = TcpEcho()
        try:
            r = self.d.request("POST", "/v1/pipes", body={"name": "cli", "host": "127.0.0.1", "port": echo.port})
            self.assertEqual(r.status, 201, r.body)
            out = self.d.cli("pipes", *api)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("cli ", out.stdout)
            self.assertIn("127.0.0.1:%d" % echo.port, out.stdout)
            out = self.d.cli("send", "cli", "hello cli", *api)
            self.assertEqual((out.returncode, out.stdout), (0, "sent 9 bytes\n"), out.stderr)
            out = self.d.cli("recv", "cli", "--timeout-ms", "3000", *api)
            self.assertEqual((out.returncode, out.stdout), (0, "hello cli\n"), out.stderr)
            out = self.d.cli("recv", "cli", "--timeout-ms", "200", "--json", *api)
            self.assertEqual(out.returncode, 1, out.stdout)
            self.assertIn("no message", out.stderr)
            out = self.d.cli("send", "bad name", "x", *api)
            self.assertEqual(out.returncode, 2, out.stderr)
            out = self.d.cli("close", "cli", *api)
            self.assertEqual((out.returncode, out.stdout), (0, "closed cli\n"), out.stderr)
            out = self.d.cli("close", "cli", *api)
            self.assertEqual(out.returncode, 1, out.stdout)
        finally:
            echo.close()

    def test_close_then_name_is_free(self):
        echo = TcpEcho()
        try:
            r = self.d.request("POST", "/v1/pipes", body={"name": "tmp", "host": "127.0.0.1", "port": echo.port})
            self.assertEqual(r.status, 201, r.body)
            status, body = self.get("/close/tmp")
            self.assertEqual((status, body), (200, {"closed": "tmp", "error": 0}))
            r = self.d.request("POST", "/v1/pipes", body={"name": "tmp", "host": "127.0.0.1", "port": echo.port})
            self.assertEqual(r.status, 201, r.body)
            self.assertEqual(self.get("/close/tmp")[0], 200)
        finally:
            echo.close()


if __name__ == "__main__":
    main()
