"""GET /v1/interfaces, GET /ifs and `p2pd ifs`: the host's interfaces as the kernel has them,
node.interfaces include/exclude, and (in a private network namespace, as root) a change
noticed through netlink without waiting for a periodic re-scan."""
import json
import os
import shutil
import subprocess
import time
import unittest

from p2pd_harness import Daemon, main


def kernel_interfaces():
    out = subprocess.run(["ip", "-j", "addr"], capture_output=True, text=True, check=True).stdout
    return {i["ifname"]: i for i in json.loads(out)}


class HostInterfaces(unittest.TestCase):
    def test_matches_the_kernel(self):
        with Daemon() as d:
            r = d.get("/v1/interfaces")
            self.assertEqual(r.status, 200)
            body = r.json()
            self.assertEqual(body["error"], 0)
            names = {i["name"] for i in body["interfaces"]}
            self.assertEqual(names, set(kernel_interfaces()))
            lo = next(i for i in body["interfaces"] if i["name"] == "lo")
            self.assertTrue(lo["flags"]["loopback"])
            v4 = [a for a in lo["addresses"] if a["family"] == "ipv4"]
            self.assertEqual(v4[0]["address"], "127.0.0.1")
            self.assertEqual(v4[0]["prefix"], 8)
            self.assertEqual(v4[0]["scope"], "loopback")
            self.assertTrue(body["monitoring"])
            for i in body["interfaces"]:
                self.assertEqual(i["index"], kernel_interfaces()[i["name"]]["ifindex"])
            status = d.get("/v1/status").json()["subsystems"]["interfaces"]
            self.assertEqual(status["state"], "ready", status)

            ifs = d.get("/ifs").json()
            self.assertEqual(ifs["error"], 0)
            self.assertEqual({i["name"] for i in ifs["ifs"]}, names)

            cli = d.cli("ifs", "--api", "unix:" + d.unix_path())
            self.assertEqual(cli.returncode, 0, cli.stderr)
            self.assertIn("lo (index 1)", cli.stdout)
            self.assertIn("127.0.0.1/8 loopback", cli.stdout)
            cli = d.cli("ifs", "--json", "--api", "unix:" + d.unix_path())
            self.assertEqual(cli.returncode, 0, cli.stderr)
            self.assertEqual({i["name"] for i in json.loads(cli.stdout)["interfaces"]}, names)

    def test_include_and_exclude(self):
        with Daemon(config={"node": {"interfaces": {"exclude": ["lo"]}}}) as d:
            names = {i["name"] for i in d.get("/v1/interfaces").json()["interfaces"]}
            self.assertNotIn("lo", names)
            self.assertEqual(names, set(kernel_interfaces()) - {"lo"})
        with Daemon(config={"node": {"interfaces": {"include": ["no-such-nic*"]}}}) as d:
            body = d.get("/v1/interfaces").json()
            self.assertEqual(body["interfaces"], [])
            cli = d.cli("ifs", "--api", "unix:" + d.unix_path())
            self.assertEqual(cli.returncode, 0, cli.stderr)
            self.assertIn("no interfaces", cli.stdout)

    def test_no_daemon(self):
        cli = Daemon().cli("ifs", "--api", "unix:/nonexistent/p2pd.sock")
        self.assertEqual(cli.returncode, 3, cli.stderr)


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("unshare") and shutil.which("nsenter"),
                     "needs root, unshare and nsenter for a private network namespace")
class Changes(unittest.TestCase):
    def test_new_interface_is_noticed(self):
        with Daemon(listen=["unix:api.sock"], prefix=["unshare", "-n"]) as d:
            def ifs():
                return {i["name"]: i for i in d.get("/v1/interfaces", via="unix").json()["interfaces"]}
            self.assertEqual(set(ifs()), {"lo"})
            ns = ["nsenter", "-t", str(d.proc.pid), "-n", "ip"]
            subprocess.run(ns + ["link", "add", "p2pdtest0", "type", "veth", "peer", "name", "p2pdtest1"], check=True)
            subprocess.run(ns + ["addr", "add", "10.77.0.5/24", "dev", "p2pdtest0"], check=True)
            subprocess.run(ns + ["link", "set", "p2pdtest0", "up"], check=True)
            deadline = time.monotonic() + 3  # far below the 30 s periodic re-scan
            seen = None
            while time.monotonic() < deadline:
                seen = ifs().get("p2pdtest0")
                if seen and any(a["address"] == "10.77.0.5" for a in seen["addresses"]) and seen["flags"]["up"]:
                    break
                time.sleep(0.05)
            self.assertIsNotNone(seen)
            self.assertIn("10.77.0.5", [a["address"] for a in seen["addresses"]])
            self.assertEqual([a["prefix"] for a in seen["addresses"] if a["address"] == "10.77.0.5"], [24])
            subprocess.run(ns + ["link", "del", "p2pdtest0"], check=True)
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline and "p2pdtest0" in ifs():
                time.sleep(0.05)
            self.assertNotIn("p2pdtest0", ifs())
            self.assertIn("interfaces: interface_added p2pdtest0", d.output())


if __name__ == "__main__":
    main()
