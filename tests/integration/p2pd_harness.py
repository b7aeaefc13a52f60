"""Starts real p2pd processes for integration tests and talks to them as a user's
program would: over the REST API (TCP with the token, or the unix socket).

Every daemon gets a fresh state directory and a test config with no STUN/TURN
servers, no MQTT brokers and port mapping off (docs/API.md): tests never reach
outside loopback. Everything is torn down on exit, even when a test fails.
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

P2PD_BIN = os.environ.get("P2PD_BIN", "p2pd")
SKIP = 77

TEST_CONFIG = {
    "stun": {"servers": []},
    "turn": {"servers": []},
    "signaling": {"mqtt": {"brokers": []}},
    "portmap": {"enabled": False},
}


def merge(base, overlay):
    out = dict(base)
    for k, v in overlay.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def ipv6_loopback_available():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=10):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)


class Daemon:
    """A p2pd daemon process. Use as a context manager."""

    def __init__(self, config=None, listen=None, extra_args=(), env=None, wait_ready=True, prefix=()):
        self.dir = tempfile.mkdtemp(prefix="p2pd-test-")
        self.state_dir = os.path.join(self.dir, "state")
        if listen is None:
            listen = ["127.0.0.1:0", "unix:api.sock"]
            if ipv6_loopback_available():
                listen.insert(1, "[::1]:0")
        cfg = merge(TEST_CONFIG, {"api": {"listen": listen}})
        cfg = merge(cfg, config or {})
        self.config_path = os.path.join(self.dir, "p2pd.json")
        self.write_config(cfg)
        self.log_path = os.path.join(self.dir, "daemon.log")
        self.args = list(prefix) + [P2PD_BIN, "daemon", "--config", self.config_path,
                                    "--state-dir", self.state_dir] + list(extra_args)
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.endpoints = []
        self.token = None
        self.wait_ready = wait_ready

    def read_config(self):
        with open(self.config_path) as f:
            return json.load(f)

    def write_config(self, cfg):
        with open(self.config_path, "w") as f:
            json.dump(cfg, f)

    # -- lifecycle -----------------------------------------------------------------
    def start(self):
        if getattr(self, "log", None):
            self.log.close()
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        if self.wait_ready:
            self.wait_for_endpoints()
        return self

    def wait_for_endpoints(self, timeout=10.0):
        path = os.path.join(self.state_dir, "api.endpoints")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("daemon exited with %d before it was ready:\n%s" % (self.proc.returncode, self.output()))
            if os.path.exists(path):
                with open(path) as f:
                    self.endpoints = [l.strip() for l in f if l.strip()]
                if self.endpoints:
                    with open(os.path.join(self.state_dir, "api.token")) as f:
                        self.token = f.read().strip()
                    return
            time.sleep(0.005)
        raise AssertionError("daemon not ready within %.1fs:\n%s" % (timeout, self.output()))

    def output(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=5.0):
        return self.proc.wait(timeout=timeout)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def close(self):
        try:
            self.stop()
        finally:
            if getattr(self, "log", None):
                self.log.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        # `with Daemon().start() as d` must not start a second process and lose the first
        if self.proc is not None and self.proc.poll() is None:
            return self
        return self.start()

    def __exit__(self, *exc):
        if exc[0] is not None:
            sys.stderr.write("---- daemon output ----\n%s\n" % self.output())
        self.close()

    # -- endpoints -----------------------------------------------------------------
    def tcp_endpoint(self, family=4):
        for e in self.endpoints:
            if e.startswith("unix:"):
                continue
            if (family == 6) == e.startswith("["):
                host, port = e.rsplit(":", 1)
                return host.strip("[]"), int(port)
        return None

    def unix_path(self):
        for e in self.endpoints:
            if e.startswith("unix:"):
                return e[5:]
        return None

    def api_arg(self, family=4):
        host, port = self.tcp_endpoint(family)
        return ("[%s]:%d" % (host, port)) if family == 6 else ("%s:%d" % (host, port))

    # -- requests ------------------------------------------------------------------
    def request(self, method, path, body=None, headers=None, via="tcp4", token=True, timeout=10):
        """One HTTP request. via: tcp4, tcp6 or unix. token=False leaves it out."""
        hdrs = {}
        if via == "unix":
            conn = UnixHTTPConnection(self.unix_path(), timeout=timeout)
        else:
            host, port = self.tcp_endpoint(6 if via == "tcp6" else 4)
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
            hdrs["Host"] = ("[%s]:%d" % (host, port)) if via == "tcp6" else ("%s:%d" % (host, port))
            if token and self.token:
                hdrs["Authorization"] = "Bearer " + self.token
        hdrs.update(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        try:
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            return Response(r.status, dict(r.getheaders()), r.read())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def cli(self, *args, timeout=10, env=None):
        """Runs a p2pd client subcommand against this daemon's unix socket."""
        e = dict(os.environ)
        e.pop("P2PD_API", None)
        e.update(env or {})
        return subprocess.run([P2PD_BIN] + list(args), capture_output=True, text=True, timeout=timeout, env=e)


class DaemonTestCase(unittest.TestCase):
    """Tests sharing one daemon (self.d) with the host test config, started once per class."""

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon().start()

    @classmethod
    def tearDownClass(cls):
        cls.d.close()


def raw_http(host, port, data, timeout=5):
    """Sends raw bytes (for requests http.client will not make, e.g. without Host)."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            chunks.append(b)
            if b"\r\n\r\n" in b"".join(chunks):
                head, _, rest = b"".join(chunks).partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                if len(rest) >= length:
                    break
    return b"".join(chunks)


def main():
    """unittest main that maps "all skipped" to exit 77 for ctest."""
    prog = unittest.main(exit=False, verbosity=2)
    result = prog.result
    if not result.wasSuccessful():
        sys.exit(1)
    if result.testsRun > 0 and len(result.skipped) == result.testsRun:
        sys.exit(SKIP)
    sys.exit(0)
