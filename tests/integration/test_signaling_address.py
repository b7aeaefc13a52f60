"""Address publication and signaling between two real daemons through a local mosquitto
(docs/API.md, "Signaling"): each keeps its signed address retained on the broker, a book
entry is refreshed by key alone (POST /v1/peers/<name>/refresh), a changed address (a
broker added by SIGHUP) is published again, POST /v1/signaling/ping reaches the
other daemon and comes back, the CLI's `p2pd peers refresh` and `p2pd signaling ping`,
and a refresh racing a DELETE of its entry never brings the entry back."""
import json
import signal
import threading
import time
import unittest

import mqtt_broker
from mqtt_broker import Broker
from p2pd_harness import Daemon, main


def wait_connected(d, n, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = d.get("/v1/status").json()["signaling"]
        if s["connected"] == n and len(s["brokers"]) == n:
            return
        time.sleep(0.05)
    raise AssertionError("not connected to %d brokers: %r" % (n, s))


def refresh_during(d, name, action):
    """POST /v1/peers/<name>/refresh on d in a thread, `action` 100 ms later (while the
    fetch waits for newer records); the refresh's response."""
    result = {}
    t = threading.Thread(target=lambda: result.update(
        r=d.request("POST", "/v1/peers/%s/refresh" % name, body={"timeout_ms": 3000})))
    t.start()
    time.sleep(0.1)
    try:
        action()
    finally:
        t.join(10)
    return result["r"]


def with_port(address, port):
    parts = address.split("_")
    parts[2] = str(port)
    return "_".join(parts)


@unittest.skipUnless(mqtt_broker.available(), "mosquitto is not installed")
class SignalingBetweenDaemons(unittest.TestCase):
    def setUp(self):
        self.cleanup = []

    def tearDown(self):
        for c in reversed(self.cleanup):
            c.close()

    def keep(self, thing):
        self.cleanup.append(thing)
        return thing

    def daemon(self, *brokers):
        return self.keep(Daemon(config={"signaling": {"mqtt": {"brokers": [b.address for b in brokers]}}})).start()

    def test_refresh_by_key_and_republish_on_change(self):
        m1 = self.keep(Broker()).start()
        a, b = self.daemon(m1), self.daemon(m1)
        wait_connected(a, 1)
        wait_connected(b, 1)
        addr_a = a.get("/v1/addr").json()["addr"]
        stale = with_port(addr_a, 1)
        self.assertEqual(b.request("PUT", "/v1/peers/a", body={"address": stale}).status, 201)

        r = b.request("POST", "/v1/peers/a/refresh")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual((r.json()["changed"], r.json()["peer"]["address"]), (True, addr_a))
        self.assertEqual(r.json()["peer"]["signaling"], [m1.address])
        self.assertEqual(b.get("/v1/peers/a").json()["peer"]["address"], addr_a)
        r = b.request("POST", "/v1/peers/a/refresh", body={"timeout_ms": 3000})
        self.assertEqual((r.status, r.json()["changed"]), (200, False))

        # A's address changes (a second broker): published again, B sees the new one.
        m2 = self.keep(Broker()).start()
        cfg = a.read_config()
        cfg["signaling"]["mqtt"]["brokers"] = [m1.address, m2.address]
        a.write_config(cfg)
        a.signal(signal.SIGHUP)
        wait_connected(a, 2)
        new_a = a.get("/v1/addr").json()["addr"]
        self.assertNotEqual(new_a, addr_a)
        deadline = time.monotonic() + 10
        while True:
            r = b.request("POST", "/v1/peers/a/refresh", body={"timeout_ms": 2000}).json()
            if r["peer"]["address"] == new_a or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(r["peer"]["address"], new_a)
        self.assertEqual(r["peer"]["signaling"], [m1.address, m2.address])

    def test_refresh_errors(self):
        m1 = self.keep(Broker()).start()
        b = self.daemon(m1)
        silent = self.keep(Daemon()).start()  # no brokers: never publishes
        wait_connected(b, 1)
        addr_s = silent.get("/v1/addr").json()["addr"]
        b.request("PUT", "/v1/peers/quiet", body={"address": addr_s})
        t0 = time.monotonic()
        r = b.request("POST", "/v1/peers/quiet/refresh", body={"timeout_ms": 700})
        self.assertEqual((r.status, r.json()["error"]), (404, "not_found"), r.body)
        self.assertIn("no address record", r.json()["message"])
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(b.get("/v1/peers/quiet").json()["peer"]["address"], addr_s)
        r = b.request("POST", "/v1/peers/nobody/refresh")
        self.assertEqual((r.status, r.json()["error"]), (404, "not_found"))
        self.assertIn("address book", r.json()["message"])
        silent.request("PUT", "/v1/peers/b", body={"address": b.get("/v1/addr").json()["addr"]})
        r = silent.request("POST", "/v1/peers/b/refresh")
        self.assertEqual((r.status, r.json()["error"]), (503, "unavailable"), r.body)
        self.assertIn("signaling is off", r.json()["message"])

    def test_ping_through_the_broker(self):
        m1 = self.keep(Broker()).start()
        a, b = self.daemon(m1), self.daemon(m1)
        wait_connected(a, 1)
        wait_connected(b, 1)
        addr_b = b.get("/v1/addr").json()["addr"]
        r = a.request("POST", "/v1/signaling/ping", body={"to": addr_b, "text": "hello b"})
        self.assertEqual(r.status, 200, r.body)
        j = r.json()
        self.assertEqual((j["text"], j["broker"], j["peer_id"]),
                         ("hello b", m1.address, b.get("/v1/status").json()["identity"]["peer_id"]))
        self.assertGreater(j["rtt_ms"], 0)
        a.request("PUT", "/v1/peers/b", body={"address": addr_b})
        self.assertEqual(a.request("POST", "/v1/signaling/ping", body={"to": "b"}).status, 200)
        self.assertEqual(a.request("POST", "/v1/signaling/ping", body={"to": "self"}).status, 200)
        r = a.request("POST", "/v1/signaling/ping", body={"to": "nobody"})
        self.assertEqual((r.status, r.json()["error"]), (404, "not_found"))
        r = a.request("POST", "/v1/signaling/ping", body={"to": addr_b, "text": 5})
        self.assertEqual((r.status, r.json()["error"]), (400, "bad_request"))
        # A key whose daemon listens on no broker: no answer.
        silent = self.keep(Daemon()).start()
        r = a.request("POST", "/v1/signaling/ping",
                      body={"to": silent.get("/v1/addr").json()["addr"], "timeout_ms": 600})
        self.assertEqual((r.status, r.json()["error"]), (504, "timeout"), r.body)
        # The broker gone: unreachable at once.
        m1.stop()
        deadline = time.monotonic() + 10
        while a.get("/v1/status").json()["signaling"]["connected"] and time.monotonic() < deadline:
            time.sleep(0.05)
        r = a.request("POST", "/v1/signaling/ping", body={"to": addr_b})
        self.assertEqual((r.status, r.json()["error"]), (502, "unreachable"), r.body)

    def test_cli_refresh_and_ping(self):
        m1 = self.keep(Broker()).start()
        a, b = self.daemon(m1), self.daemon(m1)
        wait_connected(a, 1)
        wait_connected(b, 1)
        api = ["--api", "unix:" + b.unix_path()]
        addr_a = a.get("/v1/addr").json()["addr"]
        id_a = a.get("/v1/status").json()["identity"]["peer_id"]
        self.assertEqual(b.request("PUT", "/v1/peers/a", body={"address": with_port(addr_a, 1)}).status, 201)

        r = b.cli("peers", "refresh", "a", *api)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("changed a", r.stdout)
        self.assertIn(addr_a, r.stdout)
        self.assertEqual(b.get("/v1/peers/a").json()["peer"]["address"], addr_a)
        r = b.cli("peers", "refresh", "a", "--timeout-ms", "2000", "--json", *api)
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        self.assertEqual((j["changed"], j["peer"]["address"]), (False, addr_a))
        r = b.cli("peers", "refresh", "nobody", *api)
        self.assertEqual(r.returncode, 1)
        self.assertIn("address book", r.stderr)
        r = b.cli("peers", "refresh", "bad/name", *api)
        self.assertEqual(r.returncode, 2)
        r = b.cli("peers", "refresh", "a", "--timeout-ms", "0", *api)
        self.assertEqual(r.returncode, 2)

        r = b.cli("signaling", "ping", "a", "--text", "hi a", *api)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("pong from " + id_a + " via " + m1.address, r.stdout)
        self.assertTrue(r.stdout.rstrip().endswith(": hi a"), r.stdout)
        r = b.cli("signaling", "ping", addr_a, "--json", *api)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual((json.loads(r.stdout)["peer_id"], json.loads(r.stdout)["text"]), (id_a, "ping"))
        r = b.cli("signaling", "ping", "nobody", *api)
        self.assertEqual(r.returncode, 1)
        r = b.cli("signaling", "ping", "p2pd1_bad", *api)
        self.assertEqual(r.returncode, 2)
        r = b.cli("signaling", *api)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("signaling ready", r.stdout)
        self.assertIn(m1.address, r.stdout)
        r = b.cli("signaling", "--json", *api)
        self.assertEqual(json.loads(r.stdout)["brokers"][0]["state"], "connected")
        silent = self.keep(Daemon()).start()  # no brokers
        r = b.cli("signaling", "ping", silent.get("/v1/addr").json()["addr"], "--timeout-ms", "500", *api)
        self.assertEqual(r.returncode, 1)
        self.assertIn("p2pd:", r.stderr)
        r = silent.cli("signaling", "ping", addr_a, "--api", "unix:" + silent.unix_path())
        self.assertEqual(r.returncode, 1)
        self.assertIn("signaling is off", r.stderr)

    def test_refresh_racing_delete_does_not_bring_the_entry_back(self):
        m1 = self.keep(Broker()).start()
        a, b = self.daemon(m1), self.daemon(m1)
        wait_connected(a, 1)
        wait_connected(b, 1)
        stale = with_port(a.get("/v1/addr").json()["addr"], 1)
        # A fetch answers 300 ms after the first record arrives: a DELETE 100 ms after the
        # refresh started lands while it waits. Repeat until the race was hit at least once.
        raced = 0
        for _ in range(10):
            self.assertEqual(b.request("PUT", "/v1/peers/a", body={"address": stale}).status, 201)
            r = refresh_during(b, "a", lambda: self.assertEqual(b.request("DELETE", "/v1/peers/a").status, 200))
            self.assertIn(r.status, (200, 404), r.body)
            self.assertEqual(b.get("/v1/peers/a").status, 404, "the refresh re-created the deleted entry")
            self.assertEqual(b.get("/v1/peers").json()["peers"], [])
            if r.status == 404:
                raced += 1
                self.assertEqual(r.json()["error"], "not_found")
                self.assertIn("removed meanwhile", r.json()["message"])
                if raced == 3:
                    break
        self.assertGreater(raced, 0, "the DELETE never came while the refresh waited")

        # An entry given to another peer while the refresh waited is left alone.
        other = b.get("/v1/addr").json()["addr"]
        self.assertEqual(b.request("PUT", "/v1/peers/a", body={"address": stale}).status, 201)
        r = refresh_during(b, "a", lambda: self.assertEqual(
            b.request("PUT", "/v1/peers/a", body={"address": other}).status, 200))
        self.assertIn(r.status, (200, 409), r.body)
        if r.status == 409:
            self.assertEqual(r.json()["error"], "conflict")
        self.assertEqual(b.get("/v1/peers/a").json()["peer"]["address"], other)


if __name__ == "__main__":
    main()
