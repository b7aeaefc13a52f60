#!/usr/bin/env python3
"""Forwarded-port throughput and open latency of peer pipes between two daemons on this
host, against baselines measured in the same run: a direct loopback TCP connection, a
socat relay and an ssh -L tunnel (skipped with a note when no sshd can be started).
Modes alternate run by run, so a load change hits all alike. Prints markdown tables.

   bench_peer_pipe.py BUILD_DIR [RUNS] [MIB]
"""
import hashlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

build = os.path.abspath(sys.argv[1])
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
mib = int(sys.argv[3]) if len(sys.argv) > 3 else 256
os.environ["P2PD_BIN"] = os.path.join(build, "daemon", "p2pd")
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "integration"))
from p2pd_harness import Daemon  # noqa: E402
from test_peer_sessions import loopback_address  # noqa: E402

CHUNK = hashlib.sha256(b"bench").digest() * (1 << 15)  # 1 MiB


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def transfer(src, dst):
    """MiB bytes written to src, read from dst until EOF; seconds taken."""
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
    t.join(300)
    took = time.monotonic() - start
    if got[0] != mib << 20:
        raise SystemExit("transfer lost bytes: %d of %d" % (got[0], mib << 20))
    return took


class Sink:
    """A listener whose accepted connection is handed out (the 'service')."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]

    def connect_through(self, port):
        src = socket.create_connection(("127.0.0.1", port))
        dst, _ = self.sock.accept()
        return src, dst


def start_sshd(tmp, sink_port):
    """An sshd on a free loopback port with a throwaway host and client key; None if not possible."""
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    if not os.path.exists(sshd) or os.geteuid() != 0:
        return None, "no sshd or not root"
    host_key = os.path.join(tmp, "host_key")
    client_key = os.path.join(tmp, "client_key")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host_key], check=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", client_key], check=True)
    auth = os.path.join(tmp, "authorized_keys")
    shutil.copy(client_key + ".pub", auth)
    os.chmod(tmp, 0o700)
    port = free_port()
    conf = os.path.join(tmp, "sshd_config")
    with open(conf, "w") as f:
        f.write("Port %d\nListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\nPidFile %s/sshd.pid\n"
                "PasswordAuthentication no\nUsePAM no\nPermitRootLogin prohibit-password\nStrictModes no\n"
                % (port, host_key, auth, tmp))
    os.makedirs("/run/sshd", exist_ok=True)
    proc = subprocess.Popen([sshd, "-D", "-e", "-f", conf], stderr=subprocess.DEVNULL)
    if not wait_port(port):
        proc.kill()
        return None, "sshd did not listen"
    local = free_port()
    tunnel = subprocess.Popen(["ssh", "-N", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                               "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-i", client_key, "-p", str(port),
                               "-L", "127.0.0.1:%d:127.0.0.1:%d" % (local, sink_port), "root@127.0.0.1"])
    if not wait_port(local):
        tunnel.kill()
        proc.kill()
        return None, "ssh -L did not come up"
    return (proc, tunnel, local), ""


def main():
    sink = Sink()
    tmp = tempfile.mkdtemp(prefix="p2pd-bench-")
    procs = []
    a = Daemon().start()
    b = Daemon().start()
    try:
        socat_port = free_port()
        procs.append(subprocess.Popen(["socat", "TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork" % socat_port,
                                       "TCP:127.0.0.1:%d" % sink.port]))
        if not wait_port(socat_port):
            raise SystemExit("socat did not listen")
        sink.sock.accept()[0].close()  # wait_port's probe went through socat
        ssh, why = start_sshd(tmp, sink.port)
        if ssh:
            procs.extend(ssh[:2])
            sink.sock.accept()[0].close()  # the probe
        b_addr = loopback_address(b.get("/v1/addr").json()["addr"])

        def peer_pipe(i):
            name = "bench%d" % i
            r = a.request("POST", "/v1/pipes", {"name": name, "to": b_addr}, timeout=30)
            assert r.status == 201, r.body
            theirs = None
            while not theirs:
                for p in b.get("/v1/pipes").json()["pipes"]:
                    if (p.get("peer") or {}).get("stream") == name:
                        theirs = p["name"]
                time.sleep(0.01)
            pa = a.request("POST", "/v1/pipes/%s/forward" % name, {}).json()["port"]
            pb = b.request("POST", "/v1/pipes/%s/forward" % theirs, {}).json()["port"]
            src = socket.create_connection(("127.0.0.1", pa))
            dst = socket.create_connection(("127.0.0.1", pb))
            took = transfer(src, dst)
            src.close()
            dst.close()
            a.request("DELETE", "/v1/pipes/" + name)
            return took

        modes = {"direct": lambda i: transfer(*sink.connect_through(sink.port)),
                 "socat": lambda i: transfer(*sink.connect_through(socat_port)),
                 "p2pd": peer_pipe}
        if ssh:
            modes["ssh"] = lambda i: transfer(*sink.connect_through(ssh[2]))
        times = {m: [] for m in modes}
        for i in range(runs):
            for m, fn in modes.items():
                times[m].append(fn(i))

        # Open latency: GET /open/<c>/self and a pipe to the other daemon (session reused).
        opens_self, opens_peer = [], []
        for i in range(20):
            t = time.monotonic()
            r = a.get("/open/s%d/self" % i, timeout=30)
            opens_self.append((time.monotonic() - t) * 1000)
            assert r.status == 200, r.body
            a.request("DELETE", "/v1/pipes/s%d" % i)
            t = time.monotonic()
            r = a.request("POST", "/v1/pipes", {"name": "o%d" % i, "to": b_addr}, timeout=30)
            opens_peer.append((time.monotonic() - t) * 1000)
            assert r.status == 201, r.body
            a.request("DELETE", "/v1/pipes/o%d" % i)

        names = {"direct": "direct loopback TCP (baseline)", "socat": "socat TCP relay",
                 "ssh": "ssh -L tunnel (ed25519, default cipher)",
                 "p2pd": "p2pd peer pipe: forward A -> QUIC/UDP session -> forward B"}
        base = statistics.median(mib / t for t in times["direct"])
        print("%d runs of %d MiB per mode, alternated; MB/s = MiB/s" % (runs, mib))
        print()
        print("| one-way stream, loopback | MiB/s (median) | runs | ratio vs direct |")
        print("|---|---|---|---|")
        for m in modes:
            rates = [mib / t for t in times[m]]
            med = statistics.median(rates)
            print("| %s | %.0f | %s | %.3fx |" % (names[m], med, "/".join("%.0f" % x for x in rates), med / base))
        if not ssh:
            print("| ssh -L tunnel | not measured: %s | | |" % why)
        print()
        print("| open latency, 20 each | median ms | max ms |")
        print("|---|---|---|")
        print("| GET /open/<c>/self (new stream on the self session) | %.2f | %.2f |"
              % (statistics.median(opens_self), max(opens_self)))
        print("| POST /v1/pipes {\"to\": other daemon} (session reused) | %.2f | %.2f |"
              % (statistics.median(opens_peer), max(opens_peer)))
    finally:
        for p in procs:
            p.kill()
            p.wait()
        a.close()
        b.close()
        shutil.rmtree(tmp, ignore_errors=True)


main()
