#!/usr/bin/env python3
"""Tiny STUN Binding probe for the NAT lab (RFC 5389/8489, RFC 5780 attributes).

Sends one Binding request from ONE UDP socket to each SERVER in turn (in the order
given) and prints, per server, what came back:

    server=198.51.100.10:3478 mapped=203.0.113.11:20001 other=198.51.100.11:3479 origin=198.51.100.10:3478 rtt_ms=40.3

or `server=... timeout` when no answer arrived (rtt_ms: from the first send of the
request to its answer). Because every request leaves from the
same local ip:port, the mapped ports show the NAT's mapping behaviour directly: equal
for endpoint-independent mapping, different per server for address/port-dependent
mapping, and their differences are the NAT's port delta.

Usage:
    stunprobe.py [--bind IP:PORT] [--timeout S] [--change ip|port|both] [--json] SERVER:PORT...

--change adds a CHANGE-REQUEST (RFC 5780 section 7.2) asking the server to answer
from its other address and/or port. Exit status: 0 when every server answered, 1
otherwise, 2 on usage errors.
"""
import argparse
import json
import os
import socket
import struct
import sys
import time

MAGIC = 0x2112A442
BINDING_REQUEST = 0x0001
BINDING_SUCCESS = 0x0101
ATTR_MAPPED = 0x0001
ATTR_CHANGE_REQUEST = 0x0003
ATTR_CHANGED = 0x0005
ATTR_XOR_MAPPED = 0x0020
ATTR_RESPONSE_ORIGIN = 0x802B
ATTR_OTHER = 0x802C


def endpoint(text):
    host, sep, port = text.rpartition(":")
    if not sep or not host:
        raise argparse.ArgumentTypeError("want IP:PORT, got %r" % text)
    return host, int(port)


def request(txid, change):
    attrs = b""
    if change:
        flags = {"ip": 0x4, "port": 0x2, "both": 0x6}[change]
        attrs += struct.pack("!HHI", ATTR_CHANGE_REQUEST, 4, flags)
    return struct.pack("!HHI", BINDING_REQUEST, len(attrs), MAGIC) + txid + attrs


def address(value, xor, txid):
    """Decodes a (XOR-)MAPPED-ADDRESS style value; IPv4 and IPv6."""
    family, port = struct.unpack("!xBH", value[:4])
    raw = value[4:]
    if xor:
        port ^= MAGIC >> 16
        key = struct.pack("!I", MAGIC) + txid
        raw = bytes(b ^ key[i] for i, b in enumerate(raw))
    if family == 1 and len(raw) >= 4:
        return "%s:%d" % (socket.inet_ntop(socket.AF_INET, raw[:4]), port)
    if family == 2 and len(raw) >= 16:
        return "[%s]:%d" % (socket.inet_ntop(socket.AF_INET6, raw[:16]), port)
    return None


def parse(data, txid):
    """Returns a dict of the attributes we care about, or None if not our answer."""
    if len(data) < 20:
        return None
    mtype, length, magic = struct.unpack("!HHI", data[:8])
    if magic != MAGIC or data[8:20] != txid or mtype != BINDING_SUCCESS:
        return None
    out, pos, end = {}, 20, min(len(data), 20 + length)
    while pos + 4 <= end:
        atype, alen = struct.unpack("!HH", data[pos:pos + 4])
        value = data[pos + 4:pos + 4 + alen]
        if atype == ATTR_XOR_MAPPED:
            out["mapped"] = address(value, True, txid)
        elif atype == ATTR_MAPPED and "mapped" not in out:
            out["mapped"] = address(value, False, txid)
        elif atype == ATTR_OTHER:
            out["other"] = address(value, False, txid)
        elif atype == ATTR_CHANGED and "other" not in out:
            out["other"] = address(value, False, txid)
        elif atype == ATTR_RESPONSE_ORIGIN:
            out["origin"] = address(value, False, txid)
        pos += 4 + ((alen + 3) & ~3)
    return out


def probe(sock, server, timeout, change):
    """One transaction with retransmissions (RFC 8489 style, doubled each time)."""
    txid = os.urandom(12)
    msg = request(txid, change)
    started = time.monotonic()
    deadline = started + timeout
    rto = 0.1
    while True:
        sock.sendto(msg, server)
        wait_until = min(deadline, time.monotonic() + rto)
        while True:
            left = wait_until - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            try:
                data, _ = sock.recvfrom(2048)
            except socket.timeout:
                break
            answer = parse(data, txid)
            if answer is not None:
                answer["rtt_ms"] = round((time.monotonic() - started) * 1000, 1)
                return answer
        if time.monotonic() >= deadline:
            return None
        rto *= 2


def main():
    ap = argparse.ArgumentParser(description="STUN Binding probe (one socket, many servers)")
    ap.add_argument("servers", nargs="+", type=endpoint, metavar="SERVER:PORT")
    ap.add_argument("--bind", type=endpoint, default=("0.0.0.0", 0))
    ap.add_argument("--timeout", type=float, default=2.0, help="per server, seconds")
    ap.add_argument("--change", choices=["ip", "port", "both"])
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    args = ap.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(args.bind)
    local = "%s:%d" % sock.getsockname()
    ok = True
    for server in args.servers:
        answer = probe(sock, server, args.timeout, args.change)
        row = {"local": local, "server": "%s:%d" % server}
        if answer is None:
            ok = False
            row["timeout"] = True
        else:
            row.update({k: v for k, v in answer.items() if v})
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            words = ["%s=%s" % (k, row[k]) for k in ("server", "local", "mapped", "other", "origin", "rtt_ms")
                     if k in row]
            print(" ".join(words + (["timeout"] if "timeout" in row else [])), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
