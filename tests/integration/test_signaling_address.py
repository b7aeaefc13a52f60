"""Address publication and signaling between two real daemons through a local mosquitto
(docs/API.md, "Signaling"): each keeps its signed address retained on the broker, a book
entry is refreshed by key alone (POST /v1/peers/<name>/refresh), a changed address (a
broker added by SIGHUP) is published again, and POST /v1/signaling/ping reaches the
other daemon and comes back."""
import signal
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


if __name__ == "__main__":
    main()
