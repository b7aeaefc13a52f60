"""The daemon's signaling brokers (docs/API.md, "Signaling"): off without brokers (the
test default), per-broker state in /v1/status against a real mosquitto on 127.0.0.1
(connected, backoff with the last error when it goes away, connected again with a
reconnect counted when it is back), one broker of two down, brokers added by SIGHUP."""
import signal
import time
import unittest

import mqtt_broker
from mqtt_broker import Broker
from p2pd_harness import Daemon, main


def wait_status(d, pred, timeout=10.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = d.get("/v1/status").json()
        if pred(last):
            return last
        time.sleep(0.05)
    raise AssertionError("status never matched: %r" % (last and {k: last[k] for k in ("signaling", "subsystems")}))


def broker_states(status):
    return {b["broker"]: b["state"] for b in status["signaling"]["brokers"]}


def brokers_config(*addresses):
    return {"signaling": {"mqtt": {"brokers": list(addresses)}}}


class SignalingOff(unittest.TestCase):
    def test_no_brokers_is_off(self):
        with Daemon() as d:
            s = d.get("/v1/status").json()
            self.assertEqual(s["subsystems"]["signaling"]["state"], "off")
            self.assertIn("signaling.mqtt.brokers is empty", s["subsystems"]["signaling"]["reason"])
            self.assertEqual(s["signaling"], {"connected": 0, "brokers": []})


@unittest.skipUnless(mqtt_broker.available(), "mosquitto is not installed")
class SignalingBrokers(unittest.TestCase):
    def setUp(self):
        self.brokers = []

    def tearDown(self):
        for b in self.brokers:
            b.close()

    def broker(self, start=True):
        b = Broker()
        self.brokers.append(b)
        return b.start() if start else b

    def test_connected_lost_and_reconnected(self):
        b = self.broker()
        with Daemon(config=brokers_config(b.address)) as d:
            s = wait_status(d, lambda s: broker_states(s) == {b.address: "connected"})
            self.assertEqual(s["subsystems"]["signaling"]["state"], "ready")
            self.assertIn("connected to 1 of 1", s["subsystems"]["signaling"]["reason"])
            entry = s["signaling"]["brokers"][0]
            self.assertEqual((entry["connects"], entry["reconnects"], entry["last_error"]), (1, 0, ""))
            self.assertEqual(s["signaling"]["connected"], 1)

            b.stop()
            s = wait_status(d, lambda s: broker_states(s) == {b.address: "backoff"})
            entry = s["signaling"]["brokers"][0]
            self.assertNotEqual(entry["last_error"], "")
            self.assertGreaterEqual(entry["failures"], 1)
            self.assertEqual(s["subsystems"]["signaling"]["state"], "degraded")
            self.assertIn("no broker connected", s["subsystems"]["signaling"]["reason"])

            b.start()
            s = wait_status(d, lambda s: broker_states(s) == {b.address: "connected"}, timeout=20)
            entry = s["signaling"]["brokers"][0]
            self.assertEqual((entry["connects"], entry["reconnects"], entry["last_error"]), (2, 1, ""))
            self.assertEqual(s["subsystems"]["signaling"]["state"], "ready")

    def test_one_of_two_down(self):
        up = self.broker()
        down = self.broker(start=False)
        with Daemon(config=brokers_config(up.address, down.address)) as d:
            s = wait_status(d, lambda s: broker_states(s) == {up.address: "connected", down.address: "backoff"})
            self.assertEqual(s["subsystems"]["signaling"]["state"], "ready")
            self.assertIn("connected to 1 of 2", s["subsystems"]["signaling"]["reason"])
            dead = [e for e in s["signaling"]["brokers"] if e["broker"] == down.address][0]
            self.assertIn("refused", dead["last_error"].lower())
            self.assertGreater(dead["retry_in_ms"], 0)

    def test_brokers_added_by_reload(self):
        b = self.broker()
        with Daemon() as d:
            cfg = d.read_config()
            cfg["signaling"]["mqtt"]["brokers"] = [b.address]
            d.write_config(cfg)
            d.signal(signal.SIGHUP)
            s = wait_status(d, lambda s: broker_states(s) == {b.address: "connected"})
            self.assertEqual(s["subsystems"]["signaling"]["state"], "ready")
            cfg["signaling"]["mqtt"]["brokers"] = []
            d.write_config(cfg)
            d.signal(signal.SIGHUP)
            s = wait_status(d, lambda s: s["signaling"]["brokers"] == [])
            self.assertEqual(s["subsystems"]["signaling"]["state"], "off")


if __name__ == "__main__":
    main()
