#!/usr/bin/env python3
"""A UDP peer on a lab host, for the TURN relay tests (standard library only).

  udp_peer.py echo PORT [--prefix TEXT]
      answers every datagram with PREFIX + the datagram, and prints one JSON line per
      datagram: {"from": "ip:port", "size": N, "sha256": hex, "text": utf-8 or null}.
      Runs until killed.
  udp_peer.py send IP:PORT (--text TEXT | --random N) [--port P] [--wait S]
      sends one datagram from local port P (default: any) and waits up to S seconds
      (default 3) for one answer; prints {"local", "sent_sha256", "size", "reply"} with
      reply as in echo (null when nothing came).
"""
import argparse
import hashlib
import json
import os
import socket
import sys


def describe(data, addr):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    return {"from": "%s:%d" % addr[:2], "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "text": text}


def echo(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", args.port))
    prefix = args.prefix.encode()
    while True:
        data, addr = s.recvfrom(65536)
        print(json.dumps(describe(data, addr)), flush=True)
        s.sendto(prefix + data, addr)


def send(args):
    host, _, port = args.to.rpartition(":")
    data = args.text.encode() if args.text is not None else os.urandom(args.random)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", args.port))
    s.settimeout(args.wait)
    s.sendto(data, (host, int(port)))
    try:
        reply = describe(*s.recvfrom(65536))
    except socket.timeout:
        reply = None
    local = "%s:%d" % s.getsockname()[:2]
    print(json.dumps({"local": local, "sent_sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                      "reply": reply}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)
    e = sub.add_parser("echo")
    e.add_argument("port", type=int)
    e.add_argument("--prefix", default="")
    s = sub.add_parser("send")
    s.add_argument("to")
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--text")
    g.add_argument("--random", type=int)
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--wait", type=float, default=3.0)
    args = p.parse_args()
    (echo if args.mode == "echo" else send)(args)


if __name__ == "__main__":
    sys.exit(main())
