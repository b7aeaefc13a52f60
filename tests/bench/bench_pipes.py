#!/usr/bin/env python3
"""Plain pipes (no peer) against one daemon on this host, with baselines from the same
run. Prints markdown tables for docs/BENCHMARKS.md.

   bench_pipes.py BUILD_DIR [ROUNDTRIPS] [MIB] [PIPES]

1. REST messages/s: a TCP pipe to an echo server of this script; one keep-alive HTTP
   connection does POST /v1/pipes/<p>/send then GET /v1/pipes/<p>/recv, ROUNDTRIPS times
   (JSON text, and raw octet-stream bodies). Baseline: the same round trips straight
   over a TCP socket to the same echo server.
2. Forwarded-port throughput: MIB MiB written into a pipe's forwarded loopback port
   (POST /v1/pipes/<p>/forward) reach a sink listener of this script through the pipe;
   baseline: the same writer and reader over a direct loopback connection. Modes
   alternate, 3 runs each.
3. Memory per idle pipe: PIPES TCP pipes (each to a connection this script accepts),
   then PIPES UDP pipes (to one socket, in a second daemon), opened over REST; the
   daemon's VmRSS/RssAnon before and after,
   divided by the count. RLIMIT_NOFILE is raised for this script and the daemon (which
   inherits it) to fit; the daemon's own limit is read from /proc/<pid>/limits.
"""
import hashlib
import http.client
import json
import os
import resource
import socket
import statistics
import sys
import threading
import time

build = os.path.abspath(sys.argv[1])
roundtrips = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
mib = int(sys.argv[3]) if len(sys.argv) > 3 else 256
n_pipes = int(sys.argv[4]) if len(sys.argv) > 4 else 10000
os.environ["P2PD_BIN"] = os.path.join(build, "daemon", "p2pd")
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "integration"))
from p2pd_harness import Daemon  # noqa: E402

CHUNK = hashlib.sha256(b"bench").digest() * (1 << 15)  # 1 MiB


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= want:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "Threads"):
                out[key] = int(value.split()[0])
    return out


def nofile_limit(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    return None


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


class Api:
    """One keep-alive HTTP connection to the daemon's TCP endpoint."""

    def __init__(self, d):
        self.host, self.port = d.tcp_endpoint(4)
        self.headers = {"Authorization": "Bearer " + d.token, "Host": "%s:%d" % (self.host, self.port)}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def call(self, method, path, body=None, headers=None):
        hdrs = dict(self.headers, **(headers or {}))
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                r = self.conn.getresponse()
                return r.status, r.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()  # the server ended keep-alive; reconnect once
                if attempt:
                    raise


class Echo:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self.echo, args=(c,), daemon=True).start()

    @staticmethod
    def echo(c):
        with c:
            while True:
                data = c.recv(65536)
                if not data:
                    return
                c.sendall(data)


def bench_rest(d, api):
    echo = Echo()
    st, body = api.call("POST", "/v1/pipes", {"name": "rt", "host": "127.0.0.1", "port": echo.port})
    assert st == 201, body
    results = {}
    msg = b"0123456789abcdef" * 4  # 64 bytes
    for kind in ("json", "raw"):
        t0 = time.monotonic()
        for i in range(roundtrips):
            if kind == "json":
                st, body = api.call("POST", "/v1/pipes/rt/send", {"text": msg.decode()})
                assert st == 200, body
                st, body = api.call("GET", "/v1/pipes/rt/recv?timeout_ms=5000")
                assert st == 200 and json.loads(body)["size"] == len(msg), body
            else:
                st, body = api.call("POST", "/v1/pipes/rt/send", msg, {"Content-Type": "application/octet-stream"})
                assert st == 200, body
                st, body = api.call("GET", "/v1/pipes/rt/recv?timeout_ms=5000", headers={"Accept": "application/octet-stream"})
                assert st == 200 and body == msg, body
        results[kind] = roundtrips / (time.monotonic() - t0)
    api.call("DELETE", "/v1/pipes/rt")
    with socket.create_connection(("127.0.0.1", echo.port)) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        t0 = time.monotonic()
        for i in range(roundtrips):
            s.sendall(msg)
            got = b""
            while len(got) < len(msg):
                got += s.recv(65536)
        results["direct"] = roundtrips / (time.monotonic() - t0)
    echo.sock.close()
    return results


def transfer(src, dst):
    got = [0]

    def drain():
        while True:
            data = dst.recv(1 << 20)
            if not data:
                return
            got[0] += len(data)

    t = threading.Thread(target=drain)
    start = time.monotonic()
    t.start()
    for _ in range(mib):
        src.sendall(CHUNK)
    src.shutdown(socket.SHUT_WR)
    t.join(600)
    took = time.monotonic() - start
    if got[0] != mib << 20:
        raise SystemExit("transfer lost bytes: %d of %d" % (got[0], mib << 20))
    return mib / took


def bench_forward(d, api):
    sink = socket.socket()
    sink.bind(("127.0.0.1", 0))
    sink.listen(4)
    port = sink.getsockname()[1]

    def direct(i):
        src = socket.create_connection(("127.0.0.1", port))
        dst, _ = sink.accept()
        try:
            return transfer(src, dst)
        finally:
            src.close()
            dst.close()

    def forwarded(i):
        name = "fw%d" % i
        st, body = api.call("POST", "/v1/pipes", {"name": name, "host": "127.0.0.1", "port": port})
        assert st == 201, body
        dst, _ = sink.accept()
        st, body = api.call("POST", "/v1/pipes/%s/forward" % name, {})
        assert st == 201, body
        src = socket.create_connection(("127.0.0.1", json.loads(body)["port"]))
        try:
            return transfer(src, dst)
        finally:
            src.close()
            dst.close()
            api.call("DELETE", "/v1/pipes/" + name)

    rates = {"direct": [], "forward": []}
    for i in range(3):
        rates["direct"].append(direct(i))
        rates["forward"].append(forwarded(i))
    sink.close()
    return rates


def bench_idle(d, api, proto):
    pid = d.proc.pid
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    port = listener.getsockname()[1]
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except socket.timeout:
                continue
            except OSError:
                return

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    udp_remote = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp_remote.bind(("127.0.0.1", 0))
    out = {}
    try:
        target = port if proto == "tcp" else udp_remote.getsockname()[1]
        if True:
            time.sleep(0.5)
            before = proc_status(pid)
            t0 = time.monotonic()
            for i in range(n_pipes):
                st, body = api.call("POST", "/v1/pipes", {"name": "%s%d" % (proto, i), "host": "127.0.0.1",
                                                          "port": target, "proto": proto})
                assert st == 201, (i, body)
            took = time.monotonic() - t0
            time.sleep(1.0)
            after = proc_status(pid)
            st, body = api.call("GET", "/v1/status")
            out[proto] = {"before": before, "after": after, "open_per_s": n_pipes / took, "fds": fd_count(pid)}
            t0 = time.monotonic()
            for i in range(n_pipes):
                api.call("DELETE", "/v1/pipes/%s%d" % (proto, i))
            out[proto]["close_per_s"] = n_pipes / (time.monotonic() - t0)
            time.sleep(0.5)
            out[proto]["closed"] = proc_status(pid)
    finally:
        stop.set()
        listener.close()
        udp_remote.close()
        for c in accepted:
            c.close()
    return out


def main():
    nofile = raise_nofile(2 * n_pipes + 1024)
    d = Daemon(extra_args=["--log-level", "warn"]).start()
    try:
        api = Api(d)
        limit = nofile_limit(d.proc.pid)
        rest = bench_rest(d, api)
        fwd = bench_forward(d, api)
        idle = bench_idle(d, api, "tcp")
    finally:
        d.close()
    # A fresh daemon for the UDP pipes: the first one's allocator keeps what the closed
    # TCP pipes used, and would hand it to the UDP pipes unseen.
    d = Daemon(extra_args=["--log-level", "warn"]).start()
    try:
        idle.update(bench_idle(d, Api(d), "udp"))
    finally:
        d.close()
    print("| REST round trip (64-byte message, one keep-alive connection, %d each) | messages/s | ratio vs direct |"
          % roundtrips)
    print("|---|---|---|")
    print("| direct TCP socket to the echo server (baseline) | %.0f | 1.000x |" % rest["direct"])
    print("| POST /v1/pipes/<p>/send {\"text\"} + GET .../recv (JSON) | %.0f | %.3fx |"
          % (rest["json"], rest["json"] / rest["direct"]))
    print("| same, raw octet-stream bodies | %.0f | %.3fx |" % (rest["raw"], rest["raw"] / rest["direct"]))
    print()
    base = statistics.median(fwd["direct"])
    print("| one-way stream, %d MiB, 3 runs alternated | MiB/s (median) | runs | ratio vs direct |" % mib)
    print("|---|---|---|---|")
    for mode, label in (("direct", "direct loopback TCP (baseline)"),
                        ("forward", "forwarded port -> TCP pipe -> sink")):
        med = statistics.median(fwd[mode])
        print("| %s | %.0f | %s | %.3fx |" % (label, med, "/".join("%.0f" % r for r in fwd[mode]), med / base))
    print()
    print("daemon RLIMIT_NOFILE soft limit: %s (the bench raised its own to %d; the daemon inherits it)"
          % (limit, nofile))
    print()
    print("| %d idle pipes | open/s | fds | VmRSS before -> after (MiB) | RssAnon before -> after (MiB) | KiB per pipe (VmRSS) | KiB per pipe (RssAnon) | VmRSS after closing all (MiB) |"
          % n_pipes)
    print("|---|---|---|---|---|---|---|---|")
    for proto in ("tcp", "udp"):
        r = idle[proto]
        b, a = r["before"], r["after"]
        print("| %s | %.0f | %d | %.1f -> %.1f | %.1f -> %.1f | %.2f | %.2f | %.1f |"
              % (proto, r["open_per_s"], r["fds"], b["VmRSS"] / 1024, a["VmRSS"] / 1024, b["RssAnon"] / 1024,
                 a["RssAnon"] / 1024, (a["VmRSS"] - b["VmRSS"]) / n_pipes, (a["RssAnon"] - b["RssAnon"]) / n_pipes,
                 r["closed"]["VmRSS"] / 1024))


main()
