#!/usr/bin/env python3
"""Peer stream throughput: p2pd_bench_peer_stream in its three modes, alternated, N runs
each; prints a markdown table of medians with the plain TCP connection as the baseline.

   bench_peer_stream.py BUILD_DIR [RUNS] [MIB]
"""
import json
import os
import statistics
import subprocess
import sys

build = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
mib = int(sys.argv[3]) if len(sys.argv) > 3 else 256
exe = os.path.join(build, "tests", "p2pd_bench_peer_stream")
modes = ["tcp", "quic-udp", "quic-tcp"]
results = {m: [] for m in modes}
for _ in range(runs):
    for m in modes:  # alternated, so a load change hits every mode alike
        out = subprocess.run([exe, "--mode", m, "--mib", str(mib)], capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            sys.exit("bench_peer_stream %s failed: %s" % (m, out.stderr.strip()[-500:]))
        line = [l for l in out.stdout.splitlines() if l.startswith("{")][-1]
        results[m].append(json.loads(line))

base = statistics.median(r["mb_per_s"] for r in results["tcp"])
print("load average before/after: see `uptime`; %d runs of %d MiB per mode, medians" % (runs, mib))
print()
print("| stream (one way, loopback, two loops on two threads) | MB/s (median) | runs | handshake ms | ratio vs TCP |")
print("|---|---|---|---|---|")
names = {"tcp": "plain TCP connection (baseline)", "quic-udp": "QUIC session over UDP (65000-byte datagrams on loopback)",
         "quic-tcp": "QUIC session over the TCP path (length-prefixed)"}
for m in modes:
    mbs = [r["mb_per_s"] for r in results[m]]
    hs = statistics.median(r["handshake_ms"] for r in results[m])
    med = statistics.median(mbs)
    print("| %s | %.1f | %s | %s | %.2fx |" % (names[m], med, "/".join("%.0f" % x for x in mbs),
                                              "-" if m == "tcp" else "%d" % hs, med / base))
