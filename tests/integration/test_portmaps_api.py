"""/v1/portmaps and `p2pd portmaps` on a host daemon, where port mapping is off (test
configs never talk to a gateway, docs/API.md): the list says why, adding and deleting
answer 503 "unavailable" with that reason, bad bodies and ids are 400 before anything
else; the CLI prints the reason and exits 1 (2 for bad usage). The mapping itself is
proven in the lab (tests/lab/test_portmap.sh)."""

from p2pd_harness import Daemon, DaemonTestCase, main


class PortmapsApiOff(DaemonTestCase):
    def cli(self, *args):
        return self.d.cli("portmaps", *args, "--api", "unix:" + self.d.unix_path(), timeout=30)

    def post(self, path, body):
        return self.d.request("POST", path, body=body)

    def test_list_says_why(self):
        r = self.d.get("/v1/portmaps")
        self.assertEqual(r.status, 200, r.body)
        body = r.json()
        self.assertEqual(body["error"], 0)
        self.assertFalse(body["enabled"])
        self.assertEqual(body["portmaps"], [])
        self.assertIn("portmap.enabled is false", body["reason"])

    def test_add_unavailable(self):
        r = self.post("/v1/portmaps", {"proto": "udp", "internal_port": 40000})
        self.assertEqual(r.status, 503, r.body)
        self.assertEqual(r.json()["error"], "unavailable")
        self.assertIn("portmap.enabled is false", r.json()["message"])

    def test_delete_and_get_unavailable(self):
        for method in ("delete", "get"):
            r = self.d.request(method.upper(), "/v1/portmaps/1")
            self.assertEqual(r.status, 503, r.body)
            self.assertEqual(r.json()["error"], "unavailable")

    def test_bad_bodies(self):
        cases = [
            ({}, "\"proto\" is required"),
            ({"proto": "udp"}, "\"internal_port\" is required"),
            ({"proto": "sctp", "internal_port": 1}, "proto"),
            ({"proto": 6, "internal_port": 1}, "proto"),
            ({"proto": "tcp", "internal_port": 0}, "internal_port"),
            ({"proto": "tcp", "internal_port": 70000}, "internal_port"),
            ({"proto": "tcp", "internal_port": "80"}, "internal_port"),
            ({"proto": "tcp", "internal_port": 80, "external_port": -1}, "external_port"),
            ({"proto": "tcp", "internal_port": 80, "lifetime_s": 5}, "lifetime_s"),
            ({"proto": "tcp", "internal_port": 80, "lifetime_s": 10**7}, "lifetime_s"),
            ({"proto": "tcp", "internal_port": 80, "colour": "red"}, "unknown key \"colour\""),
        ]
        for body, says in cases:
            with self.subTest(body=body):
                r = self.post("/v1/portmaps", body)
                self.assertEqual(r.status, 400, r.body)
                self.assertEqual(r.json()["error"], "bad_request")
                self.assertIn(says, r.json()["message"])
        r = self.d.request("POST", "/v1/portmaps", body=b"{not json", headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 400, r.body)

    def test_bad_ids(self):
        for bad in ("0", "abc", "1x", "-1", "99999999999999999999999"):
            with self.subTest(id=bad):
                r = self.d.request("DELETE", "/v1/portmaps/" + bad)
                self.assertEqual(r.status, 400, r.body)
                self.assertEqual(r.json()["error"], "bad_request")

    def test_cli(self):
        r = self.cli()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("port mapping is off", r.stdout)
        r = self.cli("--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"enabled": false', r.stdout)
        r = self.cli("add", "40000", "--proto", "tcp")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("portmap.enabled is false", r.stderr)
        r = self.cli("delete", "3")
        self.assertEqual(r.returncode, 1, r.stdout)
        r = self.cli("add", "0")
        self.assertEqual(r.returncode, 2, r.stdout)
        r = self.cli("add", "40000", "--proto", "sctp")
        self.assertEqual(r.returncode, 2, r.stdout)


if __name__ == "__main__":
    main()
