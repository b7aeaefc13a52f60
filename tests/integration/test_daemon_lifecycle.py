"""The daemon as a process: state directory and its files, signals, exit codes,
config errors, the CLI's discovery of the daemon, and starting without a network."""
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import unittest

from p2pd_harness import P2PD_BIN, Daemon, main


def run(args, timeout=10, env=None):
    e = dict(os.environ, **(env or {}))
    e.pop("P2PD_API", None)
    e.pop("P2PD_CONFIG", None)
    return subprocess.run([P2PD_BIN] + args, capture_output=True, text=True, timeout=timeout, env=e)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StateDirectory(unittest.TestCase):
    def test_files_and_modes(self):
        with Daemon() as d:
            self.assertEqual(stat.S_IMODE(os.stat(d.state_dir).st_mode), 0o700)
            token_path = os.path.join(d.state_dir, "api.token")
            self.assertEqual(stat.S_IMODE(os.stat(token_path).st_mode), 0o600)
            self.assertRegex(d.token, r"^[0-9a-f]{64}$")
            sock = d.unix_path()
            self.assertTrue(sock.startswith(d.state_dir))
            st = os.stat(sock)
            self.assertTrue(stat.S_ISSOCK(st.st_mode))
            self.assertEqual(stat.S_IMODE(st.st_mode), 0o660)
            # every endpoint in api.endpoints answers
            self.assertEqual(d.get("/version", via="tcp4").status, 200)
            self.assertEqual(d.get("/version", via="unix").status, 200)

    def test_token_is_kept_across_restarts(self):
        d = Daemon()
        try:
            d.start()
            first = d.token
            d.stop()
            d.start()
            self.assertEqual(d.token, first)
        finally:
            d.close()

    def test_corrupt_token_stops_the_daemon(self):
        d = Daemon(wait_ready=False)
        try:
            os.makedirs(d.state_dir, mode=0o700)
            with open(os.path.join(d.state_dir, "api.token"), "w") as f:
                f.write("not a token\n")
            d.start()
            self.assertEqual(d.wait(5), 1)
            self.assertIn("api.token", d.output())
            with open(os.path.join(d.state_dir, "api.token")) as f:
                self.assertEqual(f.read(), "not a token\n")  # never silently replaced
        finally:
            d.close()

    def test_node_port_is_chosen_once_and_kept(self):
        d = Daemon()
        try:
            d.start()
            path = os.path.join(d.state_dir, "node.port")
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            with open(path) as f:
                port = int(f.read())
            self.assertTrue(20000 <= port < 60000, port)
            self.assertEqual(d.get("/v1/status").json()["node"]["port"], port)
            d.stop()
            d.start()
            self.assertEqual(d.get("/v1/status").json()["node"]["port"], port)
        finally:
            d.close()

    def test_configured_node_port_wins_and_writes_nothing(self):
        port = free_port()
        with Daemon(config={"node": {"port": port}}) as d:
            self.assertEqual(d.get("/v1/status").json()["node"]["port"], port)
            self.assertFalse(os.path.exists(os.path.join(d.state_dir, "node.port")))

    def test_corrupt_node_port_stops_the_daemon(self):
        d = Daemon(wait_ready=False)
        try:
            os.makedirs(d.state_dir, mode=0o700)
            with open(os.path.join(d.state_dir, "node.port"), "w") as f:
                f.write("99999\n")
            d.start()
            self.assertEqual(d.wait(5), 1)
            self.assertIn("node.port", d.output())
        finally:
            d.close()

    def test_uncreatable_state_dir_exits_1(self):
        r = run(["daemon", "--state-dir", "/proc/no/such/dir", "--api-listen", "127.0.0.1:0"])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("/proc/no", r.stderr)

    def test_stale_socket_file_is_replaced(self):
        d = Daemon(wait_ready=False)
        try:
            os.makedirs(d.state_dir, mode=0o700)
            stale = os.path.join(d.state_dir, "api.sock")
            s = socket.socket(socket.AF_UNIX)
            s.bind(stale)
            s.close()  # a socket file nobody listens on, as a crashed daemon leaves
            d.start()
            d.wait_for_endpoints()
            self.assertEqual(d.get("/version", via="unix").status, 200)
        finally:
            d.close()


class OpenFileLimit(unittest.TestCase):
    @unittest.skipUnless(shutil.which("prlimit"), "no prlimit")
    def test_soft_limit_is_raised_to_the_hard_one(self):
        # Every pipe is a descriptor: a soft limit of 256 would cap the daemon at ~250 pipes.
        with Daemon(prefix=["prlimit", "--nofile=256:4096", "--"]) as d:
            with open("/proc/%d/limits" % d.proc.pid) as f:
                line = [l for l in f if l.startswith("Max open files")][0]
            self.assertEqual(line.split()[3:5], ["4096", "4096"], line)
            self.assertIn("soft limit raised from 256 to 4096", d.output())


class Signals(unittest.TestCase):
    def _stops_cleanly(self, sig):
        d = Daemon()
        try:
            d.start()
            sock = d.unix_path()
            # an idle keep-alive client must not hold up the stop
            import http.client
            host, port = d.tcp_endpoint(4)
            idle = http.client.HTTPConnection(host, port)
            idle.request("GET", "/version", headers={"Host": "localhost"})
            idle.getresponse().read()
            start = time.monotonic()
            d.signal(sig)
            self.assertEqual(d.wait(5), 0)
            self.assertLess(time.monotonic() - start, 2.0)
            self.assertFalse(os.path.exists(sock), "unix socket left behind")
            self.assertFalse(os.path.exists(os.path.join(d.state_dir, "api.endpoints")))
            with self.assertRaises(OSError):
                socket.create_connection((host, port), timeout=1).close()
            idle.close()
        finally:
            d.close()

    def test_sigterm(self):
        self._stops_cleanly(signal.SIGTERM)

    def test_sigint(self):
        self._stops_cleanly(signal.SIGINT)

    def test_stop_held_up_by_a_stalled_client_still_cleans_up(self):
        # A client that stops sending in the middle of a request body holds an API
        # thread; the forced exit after 1.5 s must still remove the daemon's files.
        d = Daemon()
        try:
            d.start()
            sock = d.unix_path()
            host, port = d.tcp_endpoint(4)
            stalled = socket.create_connection((host, port), timeout=5)
            stalled.sendall(b"POST /v1/pipes HTTP/1.1\r\nHost: localhost\r\n"
                            b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
            time.sleep(0.2)
            start = time.monotonic()
            d.signal(signal.SIGTERM)
            self.assertEqual(d.wait(5), 0)
            self.assertLess(time.monotonic() - start, 2.5)
            self.assertIn("shutdown took longer", d.output())
            self.assertFalse(os.path.exists(sock), "unix socket left behind")
            self.assertFalse(os.path.exists(os.path.join(d.state_dir, "api.endpoints")))
            stalled.close()
        finally:
            d.close()

    def test_sighup_reloads_log_level_and_rejects_bad_config(self):
        with Daemon() as d:
            cfg = d.read_config()
            cfg["log"] = {"level": "debug"}
            cfg["api"]["threads"] = 2  # needs a restart
            d.write_config(cfg)
            d.signal(signal.SIGHUP)
            self._wait_for_log(d, "reload:")
            self._wait_for_log(d, "api.threads")
            cfg["log"] = {"level": "loud"}
            d.write_config(cfg)
            d.signal(signal.SIGHUP)
            self._wait_for_log(d, "keeping the running one")
            self.assertIn("log.level", d.output())
            self.assertEqual(d.get("/v1/status").status, 200)

    def _wait_for_log(self, d, text, timeout=5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in d.output():
                return
            time.sleep(0.02)
        self.fail("log never showed %r:\n%s" % (text, d.output()))


class ExitCodes(unittest.TestCase):
    def _daemon_with_config(self, text, args=()):
        tmp = tempfile.mkdtemp()
        try:
            path = os.path.join(tmp, "bad.json")
            with open(path, "w") as f:
                f.write(text)
            return run(["daemon", "--config", path, "--state-dir", os.path.join(tmp, "s")] + list(args))
        finally:
            shutil.rmtree(tmp)

    def test_unknown_key_is_exit_2_with_its_path(self):
        r = self._daemon_with_config('{"api": {"lisen": []}}')
        self.assertEqual(r.returncode, 2)
        self.assertIn("api.lisen", r.stderr)

    def test_bad_value_is_exit_2_with_its_path(self):
        r = self._daemon_with_config('{"stun": {"servers": ["ok.example:3478", "nope"]}}')
        self.assertEqual(r.returncode, 2)
        self.assertIn("stun.servers[1]", r.stderr)

    def test_json_syntax_error_is_exit_2(self):
        r = self._daemon_with_config('{"api": ')
        self.assertEqual(r.returncode, 2)
        self.assertIn("bad.json", r.stderr)

    def test_missing_config_file_is_exit_2(self):
        r = run(["daemon", "--config", "/nonexistent/p2pd.json"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("/nonexistent/p2pd.json", r.stderr)

    def test_bad_api_listen_flag_is_exit_2_naming_the_flag(self):
        r = self._daemon_with_config("{}", ["--api-listen", "not-an-endpoint"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("--api-listen", r.stderr)

    def test_bad_log_level_flag_is_exit_2(self):
        r = self._daemon_with_config("{}", ["--log-level", "loud", "--api-listen", "127.0.0.1:0"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("--log-level", r.stderr)

    def test_unknown_flag_is_exit_2(self):
        self.assertEqual(run(["daemon", "--no-such-flag"]).returncode, 2)
        self.assertEqual(run(["no-such-command"]).returncode, 2)

    def test_help_and_version_are_exit_0(self):
        self.assertEqual(run(["--help"]).returncode, 0)
        r = run(["--version"])
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout.strip(), r"^\d+\.\d+\.\d+")

    def test_port_in_use_is_exit_1(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            r = self._daemon_with_config("{}", ["--api-listen", "127.0.0.1:%d" % port])
        self.assertEqual(r.returncode, 1)
        self.assertIn(str(port), r.stderr)


class Cli(unittest.TestCase):
    def test_status_over_unix_tcp_and_env(self):
        with Daemon() as d:
            r = d.cli("status", "--api", "unix:" + d.unix_path())
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("api", r.stdout)
            self.assertIn("ready", r.stdout)
            r = d.cli("status", "--api", d.api_arg(4), "--state-dir", d.state_dir, "--json")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout)["subsystems"]["api"]["state"], "ready")
            r = d.cli("status", env={"P2PD_API": d.api_arg(4), "P2PD_TOKEN": d.token})
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_status_without_token_is_exit_1(self):
        with Daemon() as d:
            r = d.cli("status", "--api", d.api_arg(4), "--state-dir", "/nonexistent")
            self.assertEqual(r.returncode, 1)
            self.assertIn("token", r.stderr)

    def test_status_with_no_daemon_is_exit_3(self):
        r = run(["status", "--api", "127.0.0.1:%d" % free_port()])
        self.assertEqual(r.returncode, 3)
        self.assertIn("no p2pd daemon", r.stderr)
        r = run(["status", "--api", "unix:/nonexistent/api.sock"])
        self.assertEqual(r.returncode, 3)


class NotifySocket:
    """A stand-in for systemd's notification socket: collects sd_notify datagrams."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="p2pd-notify-")
        self.path = os.path.join(self.dir, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []
        self.pos = 0

    def close(self):
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def drain(self, duration):
        """Collects every datagram that arrives within duration seconds."""
        deadline = time.monotonic() + duration
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.sock.settimeout(left)
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except socket.timeout:
                return

    def wait_for(self, field, timeout=5):
        """Waits for the next datagram (after the last one matched) holding the line
        `field`; returns its KEY=VALUE fields."""
        deadline = time.monotonic() + timeout
        while True:
            while self.pos < len(self.messages):
                m = self.messages[self.pos]
                self.pos += 1
                if field in m.split("\n"):
                    return dict(l.split("=", 1) for l in m.split("\n") if "=" in l)
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %r in %r" % (field, self.messages))
            self.sock.settimeout(left)
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except socket.timeout:
                pass

    def count(self, field):
        return sum(1 for m in self.messages if field in m.split("\n"))


class SystemdNotify(unittest.TestCase):
    """Type=notify: READY/RELOADING/STOPPING/STATUS and watchdog pings (sd_notify)."""

    def _daemon(self, notify, env=None):
        return Daemon(env=dict({"NOTIFY_SOCKET": notify.path}, **(env or {})))

    def setUp(self):
        self.notify = NotifySocket()
        self.addCleanup(self.notify.close)

    def test_ready_reload_and_stop_are_announced(self):
        d = self._daemon(self.notify)
        try:
            d.start()
            ready = self.notify.wait_for("READY=1")
            self.assertTrue(ready.get("STATUS", "").startswith("API on "), ready)
            for e in d.endpoints:
                self.assertIn(e, ready["STATUS"])
            d.signal(signal.SIGHUP)
            self.notify.wait_for("RELOADING=1")
            self.assertEqual(self.notify.wait_for("READY=1").get("STATUS"), "reloaded")
            d.signal(signal.SIGTERM)
            self.notify.wait_for("STOPPING=1")
            self.assertEqual(d.wait(5), 0)
            self.assertEqual(self.notify.count("WATCHDOG=1"), 0, "watchdog pings without WATCHDOG_USEC")
        finally:
            d.close()

    def test_rejected_reload_says_so_and_stays_ready(self):
        d = self._daemon(self.notify)
        try:
            d.start()
            self.notify.wait_for("READY=1")
            cfg = d.read_config()
            cfg["log"] = {"level": "loud"}
            d.write_config(cfg)
            d.signal(signal.SIGHUP)
            self.notify.wait_for("RELOADING=1")
            self.assertEqual(self.notify.wait_for("READY=1").get("STATUS"), "reload rejected")
            self.assertEqual(d.get("/v1/status").status, 200)
        finally:
            d.close()

    def test_watchdog_pings_at_half_the_interval(self):
        d = self._daemon(self.notify, {"WATCHDOG_USEC": "200000"})
        try:
            d.start()
            self.notify.wait_for("READY=1")
            before = self.notify.count("WATCHDOG=1")
            self.notify.drain(1.0)
            pings = self.notify.count("WATCHDOG=1") - before
            # every 100 ms for one second; generous bounds for a loaded CI machine
            self.assertGreaterEqual(pings, 6, self.notify.messages)
            self.assertLessEqual(pings, 14, self.notify.messages)
        finally:
            d.close()

    def test_watchdog_for_another_pid_is_ignored(self):
        d = self._daemon(self.notify, {"WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"})
        try:
            d.start()
            self.notify.wait_for("READY=1")
            self.notify.drain(0.5)
            self.assertEqual(self.notify.count("WATCHDOG=1"), 0, self.notify.messages)
        finally:
            d.close()


class ApiListenFlag(unittest.TestCase):
    """--api-listen replaces the config's api.listen (docs/API.md)."""

    def test_one_flag_replaces_every_configured_listener(self):
        port = free_port()
        with Daemon(extra_args=["--api-listen", "127.0.0.1:%d" % port]) as d:
            self.assertEqual(d.endpoints, ["127.0.0.1:%d" % port])
            self.assertFalse(os.path.exists(os.path.join(d.state_dir, "api.sock")))
            self.assertEqual(d.get("/version").status, 200)

    def test_the_flag_can_be_repeated(self):
        port = free_port()
        with Daemon(extra_args=["--api-listen", "127.0.0.1:%d" % port,
                                "--api-listen", "unix:flag.sock"]) as d:
            self.assertEqual(len(d.endpoints), 2, d.endpoints)
            self.assertIn("127.0.0.1:%d" % port, d.endpoints)
            sock = d.unix_path()
            self.assertIsNotNone(sock, d.endpoints)
            self.assertEqual(os.path.basename(sock), "flag.sock")
            self.assertEqual(d.get("/version", via="unix").status, 200)


def can_unshare_net():
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode == 0


@unittest.skipUnless(can_unshare_net(), "needs root and unshare --net")
class NoNetwork(unittest.TestCase):
    """Starts in a fresh network namespace: only lo up, or nothing up at all."""

    def test_only_loopback_up(self):
        d = Daemon(listen=["127.0.0.1:0", "[::1]:0", "unix:api.sock"], wait_ready=False,
                   prefix=["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"])
        try:
            d.start()
            d.wait_for_endpoints()
            self.assertEqual(d.get("/v1/status", via="unix").json()["error"], 0)
        finally:
            d.close()

    def test_nothing_up_skips_the_missing_family(self):
        # With lo down, ::1 does not exist yet: the default [::1] listener is skipped
        # (logged) and the daemon serves on the others (the embedded default listeners).
        d = Daemon(wait_ready=False, prefix=["unshare", "--net"])
        try:
            cfg = d.read_config()
            del cfg["api"]["listen"]
            d.write_config(cfg)
            d.start()
            d.wait_for_endpoints()
            self.assertIn("unix:" + os.path.join(d.state_dir, "api.sock"), d.endpoints)
            self.assertNotIn("[::1]:12333", d.endpoints)
            self.assertEqual(d.get("/v1/status", via="unix").status, 200)
            self.assertIn("skipping default listener [::1]:12333", d.output())
        finally:
            d.close()


if __name__ == "__main__":
    main()
