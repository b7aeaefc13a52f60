"""Counts UDP datagrams arriving on a port until none came for --idle seconds after the
first one, and prints one JSON line: datagrams, bytes, seconds (first to last), senders.

    python3 udp_sink.py PORT [--idle S] [--wait S]"""
import argparse
import json
import socket
import time

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("--idle", type=float, default=1.0)
ap.add_argument("--wait", type=float, default=30.0, help="give up when nothing arrives this long")
args = ap.parse_args()

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(("0.0.0.0", args.port))
s.settimeout(args.wait)
count = total = 0
first = last = None
senders = set()
buf = bytearray(65536)
try:
    while True:
        n, addr = s.recvfrom_into(buf)
        now = time.monotonic()
        if first is None:
            first = now
            s.settimeout(args.idle)
        last = now
        count += 1
        total += n
        senders.add("%s:%d" % addr)
except socket.timeout:
    pass
print(json.dumps({"datagrams": count, "bytes": total,
                  "seconds": (last - first) if first is not None else 0.0, "senders": sorted(senders)}))
