"""/v1/turn and `p2pd turn` on a daemon outside the lab: no servers configured, hostile
requests, and servers that cannot be reached (a closed UDP port, a refused TCP port) --
each a clear error naming what failed, and the TURN password never in any answer or log."""
import json
import socket
import time
import unittest

from p2pd_harness import Daemon, main

PASSWORD = "very-secret-turn-password"


def closed_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoServers(unittest.TestCase):
    def test_list_create_and_status(self):
        with Daemon() as d:
            r = d.get("/v1/turn")
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json(), {"error": 0, "servers": [], "allocations": []})
            r = d.request("POST", "/v1/turn", body={})
            self.assertEqual(r.status, 503)
            self.assertEqual(r.json()["error"], "unavailable")
            self.assertIn("turn.servers", r.json()["message"])
            status = d.get("/v1/status").json()["subsystems"]["turn"]
            self.assertEqual(status["state"], "off")
            cli = d.cli("turn", "--api", "unix:" + d.unix_path())
            self.assertEqual(cli.returncode, 0, cli.stderr)
            self.assertIn("no allocations; 0 server(s) configured", cli.stdout)

    def test_bad_requests(self):
        with Daemon() as d:
            for body, why in [(b"{not json", "JSON"), (b"[1]", "JSON object")]:
                r = d.request("POST", "/v1/turn", body=body, headers={"Content-Type": "application/json"})
                self.assertEqual(r.status, 400, why)
                self.assertEqual(r.json()["error"], "bad_request")
            for body in [{"relay": "sctp"}, {"family": 6}, {"colour": "blue"}, {"server": -1},
                         {"peer": "not-an-endpoint"}, {"lifetime_s": "long"}]:
                r = d.request("POST", "/v1/turn", body=body)
                self.assertEqual(r.status, 400, body)
            for method, path, body in [("GET", "/v1/turn/nope", None), ("DELETE", "/v1/turn/nope", None),
                                       ("POST", "/v1/turn/nope/permissions", {"peer": "192.0.2.1"}),
                                       ("POST", "/v1/turn/nope/channels", {"peer": "192.0.2.1:5"}),
                                       ("POST", "/v1/turn/nope/connections", {"peer": "192.0.2.1:5"})]:
                r = d.request(method, path, body=body)
                self.assertEqual(r.status, 404, path)
                self.assertEqual(r.json()["error"], "not_found")
            r = d.request("POST", "/v1/turn/nope/channels", body={"peer": "192.0.2.1"})  # no port
            self.assertEqual(r.status, 400)
            r = d.request("DELETE", "/v1/turn/nope/permissions/not-an-ip")
            self.assertEqual(r.status, 400)


class UnreachableServers(unittest.TestCase):
    def test_every_server_fails_clearly_and_the_password_stays_secret(self):
        udp_port, tcp_port = closed_port(socket.SOCK_DGRAM), closed_port(socket.SOCK_STREAM)
        servers = [
            {"host": "127.0.0.1", "port": udp_port, "transport": "udp", "username": "u1", "password": PASSWORD},
            {"host": "127.0.0.1", "port": tcp_port, "transport": "tcp", "username": "u2", "password": PASSWORD},
        ]
        cfg = {"turn": {"servers": servers, "timeout_ms": 600}}
        with Daemon(config=cfg, extra_args=["--log-level", "trace"]) as d:
            listed = d.get("/v1/turn")
            self.assertEqual(listed.status, 200)
            self.assertEqual([s["username"] for s in listed.json()["servers"]], ["u1", "u2"])
            self.assertEqual(d.get("/v1/status").json()["subsystems"]["turn"]["state"], "ready")

            started = time.monotonic()
            r = d.request("POST", "/v1/turn", body={"id": "t1"})
            self.assertLess(time.monotonic() - started, 5)
            self.assertEqual(r.status, 504, r.body)  # the first server's error: silence
            body = r.json()
            self.assertEqual(body["error"], "timeout")
            self.assertIn("all 2 TURN attempts failed", body["message"])
            self.assertIn("127.0.0.1:%d udp" % udp_port, body["message"])
            self.assertIn("127.0.0.1:%d tcp" % tcp_port, body["message"])
            self.assertIn("refused", body["message"].lower())  # the TCP connect
            self.assertEqual(d.get("/v1/turn/t1").status, 404)  # a failed allocation is not kept
            status = d.get("/v1/status").json()["subsystems"]["turn"]
            self.assertEqual(status["state"], "degraded")

            r = d.request("POST", "/v1/turn", body={"relay": "tcp", "server": 0})
            self.assertEqual(r.status, 400)  # server 0 is UDP: no RFC 6062 relay on it
            cli = d.cli("turn", "allocate", "--server", "1", "--api", "unix:" + d.unix_path(), timeout=30)
            self.assertEqual(cli.returncode, 1)
            self.assertIn("refused", cli.stderr.lower())

            metrics = d.get("/metrics").body.decode()
            self.assertIn('p2pd_turn_allocations_total{result="failed"} 2', metrics)
            for text in [listed.body.decode(), r.body.decode(), metrics, cli.stdout, cli.stderr,
                         json.dumps(d.get("/v1/status").json())]:
                self.assertNotIn(PASSWORD, text)
            d.stop()
            log = d.output()
            self.assertIn("turn: t1 failed", log)  # the log was written, at trace level
            self.assertNotIn(PASSWORD, log)


if __name__ == "__main__":
    main()
