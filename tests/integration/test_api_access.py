"""The API's access rules against the real daemon (docs/API.md, REST conventions):
Host and Origin checks, the bearer token, the unix socket, JSON errors, body limit."""
import unittest

from p2pd_harness import Daemon, ipv6_loopback_available, main, raw_http


class AccessRules(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(config={"api": {"max_body": 4096}}).start()

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def test_version_needs_no_token(self):
        r = self.d.get("/version", token=False)
        self.assertEqual(r.status, 200)
        body = r.json()
        self.assertEqual(body["error"], 0)
        self.assertEqual(body["title"], "P2PD")
        self.assertIn("version", body)
        self.assertIn("flavor", body["build"])

    def test_status_without_token_is_401(self):
        r = self.d.get("/v1/status", token=False)
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json()["error"], "unauthorized")

    def test_wrong_token_is_401(self):
        r = self.d.get("/v1/status", token=False, headers={"Authorization": "Bearer " + "0" * 64})
        self.assertEqual(r.status, 401)

    def test_right_token_is_200(self):
        r = self.d.get("/v1/status")
        self.assertEqual(r.status, 200)
        body = r.json()
        self.assertEqual(body["error"], 0)
        self.assertEqual(body["subsystems"]["api"]["state"], "ready")
        self.assertIn("uptime_s", body)

    def test_foreign_host_is_403_in_both_shapes(self):
        r = self.d.get("/v1/status", headers={"Host": "evil.example:12333"})
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json()["error"], "forbidden_host")
        r = self.d.get("/version", headers={"Host": "evil.example"})
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json()["error"], 5)  # P2PD's code in P2PD's routes
        self.assertIn("msg", r.json())

    def test_rebinding_lookalike_hosts_are_rejected(self):
        for host in ("127.0.0.1.evil.example", "localhost.evil.example", "128.0.0.1", "[::2]", "localhost:abc"):
            r = self.d.get("/version", headers={"Host": host})
            self.assertEqual(r.status, 403, host)

    def test_loopback_hosts_are_accepted(self):
        for host in ("localhost", "LOCALHOST:12333", "127.0.0.1", "127.1.2.3:80", "[::1]", "[::1]:8080"):
            r = self.d.get("/version", headers={"Host": host})
            self.assertEqual(r.status, 200, host)

    def test_missing_host_is_403(self):
        host, port = self.d.tcp_endpoint(4)
        reply = raw_http(host, port, b"GET /version HTTP/1.0\r\n\r\n")
        self.assertIn(b" 403 ", reply.split(b"\r\n")[0])
        self.assertIn(b"forbidden_host", reply)

    def test_web_origin_is_403(self):
        r = self.d.get("/v1/status", headers={"Origin": "http://evil.example"})
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json()["error"], "forbidden_origin")
        r = self.d.get("/v1/status", headers={"Origin": "https://localhost"})
        self.assertEqual(r.status, 403)

    def test_local_origins_are_accepted(self):
        for origin in ("null", "http://localhost", "http://localhost:3000", "http://127.0.0.1:8080", "http://[::1]"):
            r = self.d.get("/v1/status", headers={"Origin": origin})
            self.assertEqual(r.status, 200, origin)

    def test_rules_apply_in_order_host_origin_token(self):
        r = self.d.get("/v1/status", token=False, headers={"Host": "evil.example", "Origin": "http://evil.example"})
        self.assertEqual(r.json()["error"], "forbidden_host")
        r = self.d.get("/v1/status", token=False, headers={"Origin": "http://evil.example"})
        self.assertEqual(r.json()["error"], "forbidden_origin")

    def test_unix_socket_needs_no_token_nor_host(self):
        r = self.d.get("/v1/status", via="unix", headers={"Host": "anything"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["error"], 0)

    @unittest.skipUnless(ipv6_loopback_available(), "no IPv6 loopback")
    def test_ipv6_listener(self):
        r = self.d.get("/v1/status", via="tcp6")
        self.assertEqual(r.status, 200)

    def test_unknown_routes_are_json_404(self):
        r = self.d.get("/v1/no/such/route")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()["error"], "not_found")
        r = self.d.get("/no_such_p2pd_route/x")
        self.assertEqual(r.status, 404)
        self.assertIsInstance(r.json()["error"], int)

    def test_wrong_method_is_405(self):
        r = self.d.request("POST", "/v1/status", body=b"{}")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.json()["error"], "method_not_allowed")

    def test_body_over_the_limit_is_413(self):
        r = self.d.request("POST", "/v1/status", body=b"x" * 8192,
                           headers={"Content-Type": "application/octet-stream"})
        self.assertEqual(r.status, 413)
        self.assertEqual(r.json()["error"], "too_large")

    def test_metrics_count_rejections(self):
        self.d.get("/version", headers={"Host": "evil.example"})
        r = self.d.get("/metrics")
        self.assertEqual(r.status, 200)
        text = r.body.decode()
        self.assertIn('p2pd_api_rejected_total{reason="forbidden_host"}', text)
        self.assertIn("p2pd_uptime_seconds", text)
        line = [l for l in text.splitlines() if l.startswith('p2pd_api_rejected_total{reason="forbidden_host"}')][0]
        self.assertGreaterEqual(int(line.split()[-1]), 1)

    def test_metrics_need_the_token(self):
        self.assertEqual(self.d.get("/metrics", token=False).status, 401)


class TokenlessMode(unittest.TestCase):
    """api.token_required false: P2PD compatibility, loopback needs no token."""

    def test_no_token_needed_but_host_still_checked(self):
        with Daemon(config={"api": {"token_required": False}}) as d:
            self.assertEqual(d.get("/v1/status", token=False).status, 200)
            self.assertEqual(d.get("/v1/status", token=False, headers={"Host": "evil.example"}).status, 403)


if __name__ == "__main__":
    main()
