"""The peer identity: <state>/identity.key created on first start (0600), loaded after,
shown in /v1/status and by `p2pd status`; a corrupt or unreadable file stops the daemon
with exit 1 and a message naming the file, and the file is left as it was."""
import base64
import hashlib
import json
import os
import stat
import unittest

from p2pd_harness import Daemon, main

HEADER = "p2pd-ed25519-v1\n"
# RFC 8032, section 7.1, test 1: secret key (the seed) and public key.
RFC_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
RFC_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"


def b32(data):
    return base64.b32encode(data).decode().lower().rstrip("=")


def peer_id_of(public_key_text):
    key = base64.b32decode(public_key_text.upper() + "====")
    return b32(hashlib.blake2b(key, digest_size=32).digest())[:16]


def write_key_file(d, text):
    os.makedirs(d.state_dir, mode=0o700, exist_ok=True)
    path = os.path.join(d.state_dir, "identity.key")
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


class Identity(unittest.TestCase):
    def test_created_once_shown_and_kept(self):
        d = Daemon()
        try:
            d.start()
            path = os.path.join(d.state_dir, "identity.key")
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            with open(path) as f:
                text = f.read()
            self.assertRegex(text, r"^p2pd-ed25519-v1\n[0-9a-f]{64}\n$")
            self.assertEqual(sorted(n for n in os.listdir(d.state_dir) if "identity" in n), ["identity.key"])

            ident = d.get("/v1/status").json()["identity"]
            self.assertRegex(ident["peer_id"], r"^[a-z2-7]{16}$")
            self.assertRegex(ident["public_key"], r"^[a-z2-7]{52}$")
            self.assertEqual(ident["peer_id"], peer_id_of(ident["public_key"]))
            self.assertNotIn(text.splitlines()[1], d.get("/v1/status").body.decode())  # no secret
            self.assertIn("peer id " + ident["peer_id"], d.output())
            self.assertNotIn(text.splitlines()[1], d.output())

            cli = d.cli("status", "--api", "unix:" + d.unix_path())
            self.assertEqual(cli.returncode, 0, cli.stderr)
            self.assertIn(ident["peer_id"], cli.stdout)

            # `p2pd addr`: one line, the address GET /v1/addr and P2PD's GET /addr give,
            # carrying our key; --json is the whole answer.
            addr = d.get("/v1/addr").json()["addr"]
            self.assertIn(ident["public_key"], addr)
            cli = d.cli("addr", "--api", "unix:" + d.unix_path())
            self.assertEqual(cli.returncode, 0, cli.stderr)
            self.assertEqual(cli.stdout, addr + "\n")
            self.assertEqual(d.get("/addr").json()["addr"], addr)
            cli = d.cli("addr", "--json", "--api", "unix:" + d.unix_path())
            self.assertEqual(cli.returncode, 0, cli.stderr)
            self.assertEqual(json.loads(cli.stdout)["peer_id"], ident["peer_id"])

            d.stop()
            d.start()
            self.assertEqual(d.get("/v1/status").json()["identity"], ident)
            with open(path) as f:
                self.assertEqual(f.read(), text)
        finally:
            d.close()

    def test_given_key_file_is_used(self):
        d = Daemon(wait_ready=False)
        try:
            write_key_file(d, HEADER + RFC_SEED + "\n")
            d.start()
            d.wait_for_endpoints()
            ident = d.get("/v1/status").json()["identity"]
            self.assertEqual(ident["public_key"], b32(bytes.fromhex(RFC_PUBLIC)))
            self.assertEqual(ident["peer_id"], peer_id_of(ident["public_key"]))
        finally:
            d.close()

    def _refuses(self, text, reason):
        d = Daemon(wait_ready=False)
        try:
            path = write_key_file(d, text)
            d.start()
            self.assertEqual(d.wait(5), 1, d.output())
            out = d.output()
            self.assertIn(path, out)
            self.assertIn(reason, out)
            self.assertIn("move it away", out)
            self.assertFalse(os.path.exists(os.path.join(d.state_dir, "api.endpoints")))
            with open(path) as f:
                self.assertEqual(f.read(), text)  # never silently replaced
        finally:
            d.close()

    def test_corrupt_files_stop_the_daemon(self):
        self._refuses("", "empty")
        self._refuses("ssh-ed25519 AAAA\n", "not a p2pd identity file")
        self._refuses(HEADER + RFC_SEED[:40] + "\n", "64 hex characters")
        self._refuses(HEADER + RFC_SEED.upper() + "\n", "lowercase hex")
        self._refuses(HEADER + RFC_SEED + "\ntrailing\n", "64 hex characters")

    @unittest.skipIf(os.geteuid() == 0, "root reads any file")
    def test_unreadable_file_stops_the_daemon(self):
        d = Daemon(wait_ready=False)
        try:
            path = write_key_file(d, HEADER + RFC_SEED + "\n")
            os.chmod(path, 0)
            d.start()
            self.assertEqual(d.wait(5), 1, d.output())
            self.assertIn(path + ": cannot read", d.output())
            os.chmod(path, 0o600)
            with open(path) as f:
                self.assertEqual(f.read(), HEADER + RFC_SEED + "\n")
        finally:
            d.close()


if __name__ == "__main__":
    main()
