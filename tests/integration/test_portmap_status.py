"""The "portmap" status line of the real daemon, in the configurations that send nothing
to a gateway (docs/API.md, "Port mapping"): switched off, and every protocol off."""
import unittest

from p2pd_harness import Daemon, main


class PortmapStatus(unittest.TestCase):
    def test_switched_off_in_test_configs(self):
        with Daemon().start() as d:
            line = d.get("/v1/status").json()["subsystems"]["portmap"]
            self.assertEqual(line["state"], "off", line)
            self.assertIn("portmap.enabled is false", line["reason"])

    def test_every_protocol_off(self):
        cfg = {"portmap": {"enabled": True, "pcp": False, "natpmp": False, "upnp": False}}
        with Daemon(config=cfg).start() as d:
            line = d.get("/v1/status").json()["subsystems"]["portmap"]
            self.assertEqual(line["state"], "off", line)
            self.assertIn("PCP, NAT-PMP and UPnP IGD are switched off", line["reason"])


if __name__ == "__main__":
    main()
