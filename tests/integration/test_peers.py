"""The address book: PUT/GET/DELETE /v1/peers/<name>, kept in <state>/peers.json across
restarts; bad names and addresses are 400s that change nothing; a corrupt book stops the
daemon with exit 1 naming the file, which is kept; `p2pd peers` drives the same routes."""
import base64
import hashlib
import json
import os
import stat
import unittest

from p2pd_harness import Daemon, main


def b32(data):
    return base64.b32encode(data).decode().lower().rstrip("=")


def address(fill, port=40123, nic="192.168.1.20"):
    # p2pd1_<key>_<ports>_<signaling>_<ifindex,family,nics,external,external_port,nat,delta>
    return "p2pd1_%s_%d__2,4,%s,,,u," % (b32(bytes([fill]) * 32), port, nic)


def peer_id(fill):
    return b32(hashlib.blake2b(bytes([fill]) * 32, digest_size=32).digest())[:16]


class Peers(unittest.TestCase):
    def setUp(self):
        self.d = Daemon()
        self.d.start()

    def tearDown(self):
        self.d.close()

    def put(self, name, body):
        return self.d.request("PUT", "/v1/peers/" + name, body=body)

    def assert_error(self, r, status, slug, fragment):
        self.assertEqual(r.status, status, r.body)
        self.assertEqual(r.json()["error"], slug)
        self.assertIn(fragment, r.json()["message"])

    def test_put_get_list_delete(self):
        d = self.d
        self.assertEqual(d.get("/v1/peers").json(), {"error": 0, "peers": []})

        r = self.put("alice", {"address": address(1)})
        self.assertEqual(r.status, 201, r.body)
        p = r.json()["peer"]
        self.assertTrue(r.json()["created"])
        self.assertEqual(p["name"], "alice")
        self.assertEqual(p["address"], address(1))
        self.assertEqual(p["public_key"], b32(bytes([1]) * 32))
        self.assertEqual(p["peer_id"], peer_id(1))
        self.assertEqual(p["ports"], [40123])
        self.assertEqual(p["groups"], [{"ifindex": 2, "family": "ipv4", "nics": ["192.168.1.20"], "external": None,
                                        "external_port": None, "nat": "unknown", "delta": None}])

        r = self.put("alice", address(2, 5000).encode())  # the address as plain text replaces
        self.assertEqual(r.status, 200, r.body)
        self.assertFalse(r.json()["created"])
        self.assertEqual(d.get("/v1/peers/alice").json()["peer"]["address"], address(2, 5000))
        self.assertEqual(self.put("bob", {"address": address(3)}).status, 201)
        self.assertEqual([p["name"] for p in d.get("/v1/peers").json()["peers"]], ["alice", "bob"])

        r = d.request("DELETE", "/v1/peers/alice")
        self.assertEqual(r.json(), {"error": 0, "removed": "alice"})
        self.assert_error(d.get("/v1/peers/alice"), 404, "not_found", "alice")
        self.assert_error(d.request("DELETE", "/v1/peers/alice"), 404, "not_found", "alice")
        self.assertEqual([p["name"] for p in d.get("/v1/peers").json()["peers"]], ["bob"])

    def test_bad_input_is_400_and_changes_nothing(self):
        self.assertEqual(self.put("alice", {"address": address(1)}).status, 201)
        self.assert_error(self.put("alice", {"address": "p2pd1_nonsense"}), 400, "bad_request", "")
        self.assert_error(self.put("alice", {"address": address(1, nic="224.0.0.1")}), 400, "bad_request",
                          "multicast")
        self.assert_error(self.put("alice", {"address": 5}), 400, "bad_request", "\"address\" must be a string")
        self.assert_error(self.put("alice", {"address": address(1), "x": 1}), 400, "bad_request", "unknown key")
        self.assert_error(self.put("alice", b""), 400, "bad_request", "body")
        self.assert_error(self.put("alice", b"{not json"), 400, "bad_request", "JSON")
        self.assert_error(self.put("self", {"address": address(1)}), 400, "bad_request", "reserved")
        self.assert_error(self.put("p2pd1_x", {"address": address(1)}), 400, "bad_request", "spelled like")
        self.assert_error(self.put("a%20b", {"address": address(1)}), 400, "bad_request", "[A-Za-z0-9_.-]")
        self.assert_error(self.put("x" * 65, {"address": address(1)}), 400, "bad_request", "{1,64}")
        peers = self.d.get("/v1/peers").json()["peers"]
        self.assertEqual([(p["name"], p["address"]) for p in peers], [("alice", address(1))])

    def test_persisted_across_restarts(self):
        d = self.d
        self.assertEqual(self.put("alice", {"address": address(1)}).status, 201)
        self.assertEqual(self.put("bob", {"address": address(2)}).status, 201)
        self.assertEqual(d.request("DELETE", "/v1/peers/bob").status, 200)
        path = os.path.join(d.state_dir, "peers.json")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path) as f:
            saved = json.load(f)
        self.assertEqual(saved["version"], 1)
        self.assertEqual([(p["name"], p["address"]) for p in saved["peers"]], [("alice", address(1))])
        self.assertEqual([n for n in os.listdir(d.state_dir) if n.startswith("peers")], ["peers.json"])
        before = d.get("/v1/peers").json()
        d.stop()
        d.start()
        self.assertEqual(d.get("/v1/peers").json(), before)

    def test_corrupt_book_stops_the_daemon(self):
        d = self.d
        d.stop()
        path = os.path.join(d.state_dir, "peers.json")
        bad = json.dumps({"version": 1, "peers": [{"name": "alice", "address": "p2pd1_x", "updated_at": 1}]})
        with open(path, "w") as f:
            f.write(bad)
        d.wait_ready = False
        d.start()
        self.assertEqual(d.wait(5), 1, d.output())
        self.assertIn(path, d.output())
        self.assertIn("peers[0] (\"alice\")", d.output())
        with open(path) as f:
            self.assertEqual(f.read(), bad)

    def test_cli(self):
        d = self.d
        api = ["--api", "unix:" + d.unix_path()]
        r = d.cli("peers", *api)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("empty", r.stdout)
        r = d.cli("peers", "add", "alice", address(1), *api)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("added alice", r.stdout)
        r = d.cli("peers", *api)
        self.assertIn(peer_id(1), r.stdout)
        self.assertIn(address(1), r.stdout)
        r = d.cli("peers", "show", "alice", "--json", *api)
        self.assertEqual(json.loads(r.stdout)["peer"]["peer_id"], peer_id(1))
        r = d.cli("peers", "add", "alice", "p2pd1_bad", *api)
        self.assertEqual(r.returncode, 2)  # the daemon's 400 bad_request: bad usage
        self.assertIn("p2pd:", r.stderr)
        r = d.cli("peers", "add", "bad/name", address(1), *api)
        self.assertEqual(r.returncode, 2)
        r = d.cli("peers", "rm", "alice", *api)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("removed alice", r.stdout)
        r = d.cli("peers", "rm", "alice", *api)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(d.get("/v1/peers").json()["peers"], [])


if __name__ == "__main__":
    main()
