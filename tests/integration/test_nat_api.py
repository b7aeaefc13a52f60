"""GET /v1/nat, POST /v1/nat/refresh and `p2pd nat` on the host. The test config has no
STUN servers, so every interface and family with an address to probe from is `unknown`
at once (never a guess, never a hang), and the nat subsystem says why."""
import ipaddress
import json
import time
import unittest

from p2pd_harness import Daemon, main


def probe_targets(d):
    """(interface, family) pairs the daemon should classify, from its own interface view."""
    out = set()
    for i in d.get("/v1/interfaces").json()["interfaces"]:
        f = i["flags"]
        if not (f["up"] and f["running"]) or f["loopback"]:
            continue
        for fam in ("ipv4", "ipv6"):
            for a in i["addresses"]:
                flags = a.get("flags", {})
                if a["family"] == fam and a["scope"] != "link_local" and not any(
                        flags.get(k) for k in ("tentative", "deprecated", "dad_failed")):
                    out.add((i["name"], fam))
                    break
    return out


def wait_finished(d, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        body = d.get("/v1/nat").json()
        if not body["running"] and body["finished_at_ms"] > 0:
            return body
        if time.monotonic() > deadline:
            raise AssertionError("NAT classification did not finish: %r" % body)
        time.sleep(0.05)


class NatApi(unittest.TestCase):
    def test_no_servers_is_unknown(self):
        with Daemon() as d:
            started = time.monotonic()
            body = wait_finished(d)
            self.assertLess(time.monotonic() - started, 5.0)
            self.assertEqual(body["error"], 0)
            got = {(r["interface"], r["family"]) for r in body["results"]}
            self.assertEqual(got, probe_targets(d))
            for r in body["results"]:
                self.assertEqual(r["type"], "unknown", r)
                self.assertEqual(r["mapping"], "unknown")
                self.assertEqual(r["filtering"], "unknown")
                self.assertEqual(r["delta"], {"type": "unknown", "value": 0})
                self.assertIsNone(r["external"])
                self.assertFalse(r["confirmed"])
                self.assertIn("no STUN servers", r["reason"])
                self.assertEqual(r["requests"], 0)
                ipaddress.ip_address(r["local"].rsplit(":", 1)[0].strip("[]"))
            status = d.get("/v1/status").json()["subsystems"]["nat"]
            self.assertEqual(status["state"], "degraded", status)
            self.assertIn("no STUN servers", status["reason"])

            runs = body["runs"]
            r = d.request("POST", "/v1/nat/refresh")
            self.assertEqual(r.status, 202)
            self.assertEqual(r.json()["error"], 0)
            self.assertEqual(r.json()["runs"], runs + 1)
            again = wait_finished(d)
            self.assertEqual(again["runs"], runs + 1)
            self.assertGreaterEqual(again["refreshed_at_ms"], body["refreshed_at_ms"])

            self.assertEqual(d.request("GET", "/v1/nat/refresh").status, 405)

            cli = d.cli("nat", "--api", "unix:" + d.unix_path())
            self.assertEqual(cli.returncode, 0, cli.stderr)
            if got:
                self.assertIn(": unknown (mapping unknown, filtering unknown, delta unknown 0)", cli.stdout)
            else:
                self.assertIn("no NAT results", cli.stdout)
            cli = d.cli("nat", "--refresh", "--json", "--api", "unix:" + d.unix_path())
            self.assertEqual(cli.returncode, 0, cli.stderr)
            out = json.loads(cli.stdout)
            self.assertFalse(out["running"])
            self.assertEqual(out["runs"], runs + 2)


if __name__ == "__main__":
    main()
