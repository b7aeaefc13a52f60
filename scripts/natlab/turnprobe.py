#!/usr/bin/env python3
"""Tiny TURN Allocate probe for the NAT lab (RFC 8656 over UDP, long-term credentials).

Sends an Allocate (REQUESTED-TRANSPORT UDP, LIFETIME as asked), answers the 401 with
USERNAME/REALM/NONCE/MESSAGE-INTEGRITY, prints what the server granted and releases
the allocation again (Refresh with LIFETIME 0):

    relayed=198.51.100.20:50123 mapped=203.0.113.11:40001 lifetime=600

Usage:
    turnprobe.py --user U --password P [--lifetime S] [--timeout S] SERVER:PORT

Exit status: 0 allocated, 1 refused (prints `error=CODE reason`), 2 no answer/usage.
"""
import argparse
import hashlib
import hmac
import os
import socket
import struct
import sys
import time

MAGIC = 0x2112A442
ALLOCATE, REFRESH = 0x0003, 0x0004
SUCCESS, ERROR = 0x0100, 0x0110
A_USERNAME, A_MI, A_ERROR, A_LIFETIME = 0x0006, 0x0008, 0x0009, 0x000D
A_REALM, A_NONCE, A_RELAYED, A_TRANSPORT, A_XOR_MAPPED = 0x0014, 0x0015, 0x0016, 0x0019, 0x0020


def attr(atype, value):
    pad = (4 - len(value) % 4) % 4
    return struct.pack("!HH", atype, len(value)) + value + b"\0" * pad


def message(method, txid, attrs, key=None):
    body = b"".join(attrs)
    if key is None:
        return struct.pack("!HHI", method, len(body), MAGIC) + txid + body
    # MESSAGE-INTEGRITY covers the header with a length that already counts it (24)
    head = struct.pack("!HHI", method, len(body) + 24, MAGIC) + txid
    mac = hmac.new(key, head + body, hashlib.sha1).digest()
    return head + body + attr(A_MI, mac)


def xor_address(value, txid):
    family, port = struct.unpack("!xBH", value[:4])
    port ^= MAGIC >> 16
    key = struct.pack("!I", MAGIC) + txid
    raw = bytes(b ^ key[i] for i, b in enumerate(value[4:]))
    if family == 1:
        return "%s:%d" % (socket.inet_ntop(socket.AF_INET, raw[:4]), port)
    return "[%s]:%d" % (socket.inet_ntop(socket.AF_INET6, raw[:16]), port)


def parse(data, txid):
    if len(data) < 20:
        return None
    mtype, length, magic = struct.unpack("!HHI", data[:8])
    if magic != MAGIC or data[8:20] != txid:
        return None
    attrs, pos = {}, 20
    while pos + 4 <= min(len(data), 20 + length):
        atype, alen = struct.unpack("!HH", data[pos:pos + 4])
        attrs.setdefault(atype, data[pos + 4:pos + 4 + alen])
        pos += 4 + ((alen + 3) & ~3)
    return mtype, attrs


def transact(sock, server, build, timeout):
    txid = os.urandom(12)
    msg = build(txid)
    deadline, rto = time.monotonic() + timeout, 0.2
    while time.monotonic() < deadline:
        sock.sendto(msg, server)
        end = min(deadline, time.monotonic() + rto)
        while time.monotonic() < end:
            sock.settimeout(max(0.001, end - time.monotonic()))
            try:
                data, _ = sock.recvfrom(4096)
            except socket.timeout:
                break
            answer = parse(data, txid)
            if answer:
                return answer + (txid,)
        rto *= 2
    return None


def error_of(attrs):
    v = attrs.get(A_ERROR, b"\0\0\0\0")
    return (v[2] & 7) * 100 + v[3], v[4:].decode(errors="replace")


def main():
    ap = argparse.ArgumentParser(description="TURN Allocate probe")
    ap.add_argument("server")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--lifetime", type=int, default=600)
    ap.add_argument("--timeout", type=float, default=3.0)
    args = ap.parse_args()
    host, _, port = args.server.rpartition(":")
    server = (host, int(port))

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    base = [attr(A_TRANSPORT, struct.pack("!B3x", 17)),
            attr(A_LIFETIME, struct.pack("!I", args.lifetime))]
    first = transact(sock, server, lambda t: message(ALLOCATE, t, base), args.timeout)
    if first is None:
        print("timeout")
        return 2
    mtype, attrs, _ = first
    if mtype != ALLOCATE | ERROR or error_of(attrs)[0] != 401:
        print("error=%d %s (expected a 401 challenge)" % error_of(attrs))
        return 1
    realm, nonce = attrs[A_REALM], attrs[A_NONCE]
    key = hashlib.md5(b"%s:%s:%s" % (args.user.encode(), realm, args.password.encode())).digest()
    auth = [attr(A_USERNAME, args.user.encode()), attr(A_REALM, realm), attr(A_NONCE, nonce)]

    answer = transact(sock, server, lambda t: message(ALLOCATE, t, base + auth, key), args.timeout)
    if answer is None:
        print("timeout")
        return 2
    mtype, attrs, txid = answer
    if mtype != ALLOCATE | SUCCESS:
        print("error=%d %s" % error_of(attrs))
        return 1
    lifetime = struct.unpack("!I", attrs[A_LIFETIME])[0] if A_LIFETIME in attrs else -1
    print("relayed=%s mapped=%s lifetime=%d" % (
        xor_address(attrs[A_RELAYED], txid) if A_RELAYED in attrs else "?",
        xor_address(attrs[A_XOR_MAPPED], txid) if A_XOR_MAPPED in attrs else "?",
        lifetime), flush=True)

    # release: Refresh with LIFETIME 0 (best effort)
    release = auth + [attr(A_LIFETIME, struct.pack("!I", 0))]
    transact(sock, server, lambda t: message(REFRESH, t, release, key), 1.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
