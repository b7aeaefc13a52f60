"""Daemon start to API-ready and idle memory, against a socat listener started and
probed the same way in the same run (the baseline: process start + first accept).

    python3 tests/bench/bench_startup.py BUILD/daemon/p2pd [RUNS]

Ready = the first successful GET /version over TCP after exec. The daemon gets a test
config with no STUN/TURN servers, no brokers and port mapping off; it binds port 0 and
the script learns the port from api.endpoints."""
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def wait_connect(port, deadline, request=None):
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if request is None:
                    return True
                s.sendall(request)
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return True
        except OSError:
            time.sleep(0.0005)
    return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def p2pd_once(binary, tmp):
    state = os.path.join(tmp, "state")
    shutil.rmtree(state, ignore_errors=True)
    cfg = os.path.join(tmp, "cfg.json")
    port = free_port()
    with open(cfg, "w") as f:
        json.dump({"api": {"listen": ["127.0.0.1:%d" % port]}, "stun": {"servers": []}, "turn": {"servers": []},
                   "signaling": {"mqtt": {"brokers": []}}, "portmap": {"enabled": False}}, f)
    t0 = time.monotonic()
    p = subprocess.Popen([binary, "daemon", "--config", cfg, "--state-dir", state, "--log-level", "warn"])
    ok = wait_connect(port, t0 + 5, b"GET /version HTTP/1.1\r\nHost: localhost\r\n\r\n")
    ready = time.monotonic() - t0
    return p, ready if ok else None


def socat_once():
    port = free_port()
    t0 = time.monotonic()
    p = subprocess.Popen(["socat", "TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr" % port, "SYSTEM:true"],
                         stderr=subprocess.DEVNULL)
    ok = wait_connect(port, t0 + 5)
    ready = time.monotonic() - t0
    p.kill()
    p.wait()
    return ready if ok else None


def memory_kb(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "Threads"):
                out[key] = int(value.split()[0])
    return out


def main():
    binary = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    tmp = tempfile.mkdtemp(prefix="p2pd-bench-")
    p2pd_times, socat_times, mem = [], [], None
    try:
        for i in range(runs):
            p, t = p2pd_once(binary, tmp)
            if t is not None:
                p2pd_times.append(t)
            if i == runs - 1:
                time.sleep(1.0)  # idle
                mem = memory_kb(p.pid)
            p.terminate()
            p.wait()
            t = socat_once()
            if t is not None:
                socat_times.append(t)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not p2pd_times or not socat_times:
        print("bench_startup: no successful start", file=sys.stderr)
        sys.exit(1)
    p_med = statistics.median(p2pd_times) * 1000
    s_med = statistics.median(socat_times) * 1000
    print("| metric | p2pd | baseline (socat) | ratio |")
    print("|---|---|---|---|")
    print("| start to API ready, median of %d (ms) | %.1f | %.1f | %.2fx |" % (runs, p_med, s_med, p_med / s_med))
    print("| start to API ready, max (ms) | %.1f | %.1f | |" % (max(p2pd_times) * 1000, max(socat_times) * 1000))
    print("| idle RssAnon (MB) | %.1f | | bar < 8 |" % (mem["RssAnon"] / 1024))
    print("| idle VmRSS (MB) | %.1f | | bar < 16 |" % (mem["VmRSS"] / 1024))
    print("| threads | %d | | |" % mem["Threads"])


if __name__ == "__main__":
    main()
