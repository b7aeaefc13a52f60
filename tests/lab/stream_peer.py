#!/usr/bin/env python3
"""One TCP stream for the TURN TCP relay tests (standard library only).

  stream_peer.py connect HOST:PORT (--send FILE [--wait-go N] | --recv BYTES [--go]) [--delay S] [--timeout S]
  stream_peer.py listen PORT (--send FILE | --recv BYTES) [--timeout S]

--recv reads exactly BYTES (fewer if the stream ends first) and then closes.
--send writes FILE (after --delay seconds) and then, without a FIN of its own, waits
for the other side to close: a TURN server closes the peer's connection when the
client's ends (RFC 6062 has no half-close), which may drop bytes still in its buffers,
so the receiver, knowing the length, is the one that closes.
--wait-go N sends the first N bytes of FILE, then waits for one byte from the other side
before the rest; --go makes the receiver send that byte first. A peer that connects to
an RFC 6062 relayed address cannot know when the client's data connection is bound, and
coturn keeps only 16 reads of what the peer sends before that (the rest is dropped):
a bulk sender waits for the client to speak (docs/API.md, "TURN").
Prints {"bytes": N, "sha256": hex, "seconds": S, "ended": "closed"|"count"|"timeout"}.
"""
import argparse
import hashlib
import json
import socket
import sys
import time


def send(conn, path, timeout, wait_go=None):
    digest, total = hashlib.sha256(), 0
    with open(path, "rb") as f:
        if wait_go is not None:
            first = f.read(wait_go)
            conn.sendall(first)
            digest.update(first)
            total += len(first)
            conn.settimeout(timeout)
            try:
                if not conn.recv(1):
                    return total, digest.hexdigest(), "closed"
            except socket.timeout:
                return total, digest.hexdigest(), "timeout"
            conn.settimeout(None)
        while True:
            chunk = f.read(1 << 16)
            if not chunk:
                break
            conn.sendall(chunk)
            digest.update(chunk)
            total += len(chunk)
    conn.settimeout(timeout)
    ended = "closed"
    try:
        while conn.recv(1 << 16):
            pass
    except socket.timeout:
        ended = "timeout"
    except ConnectionError:
        pass
    return total, digest.hexdigest(), ended


def recv(conn, want, timeout, go=False):
    digest, total = hashlib.sha256(), 0
    conn.settimeout(timeout)
    if go:
        conn.sendall(b"g")
    ended = "count"
    try:
        while total < want:
            chunk = conn.recv(min(1 << 16, want - total))
            if not chunk:
                ended = "closed"
                break
            digest.update(chunk)
            total += len(chunk)
    except socket.timeout:
        ended = "timeout"
    return total, digest.hexdigest(), ended


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["connect", "listen"])
    p.add_argument("where", help="HOST:PORT to connect to, or the PORT to listen on")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--send", metavar="FILE")
    g.add_argument("--recv", metavar="BYTES", type=int)
    p.add_argument("--wait-go", metavar="N", type=int, help="with --send: N bytes, then wait for one byte")
    p.add_argument("--go", action="store_true", help="with --recv: send one byte first")
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--timeout", type=float, default=60.0)
    args = p.parse_args()
    if args.mode == "connect":
        host, _, port = args.where.rpartition(":")
        conn = socket.create_connection((host, int(port)), timeout=args.timeout)
    else:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("0.0.0.0", int(args.where)))
        server.listen(1)
        server.settimeout(args.timeout)
        conn, _ = server.accept()
        server.close()
    started = time.monotonic()
    time.sleep(args.delay)
    if args.send:
        total, sha, ended = send(conn, args.send, args.timeout, args.wait_go)
    else:
        total, sha, ended = recv(conn, args.recv, args.timeout, args.go)
    seconds = time.monotonic() - started
    conn.close()
    print(json.dumps({"bytes": total, "sha256": sha, "seconds": round(seconds, 3), "ended": ended}))


if __name__ == "__main__":
    sys.exit(main())
