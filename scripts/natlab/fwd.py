#!/usr/bin/env python3
"""Delay/jitter forwarder for the NAT lab (used when the kernel has no sch_netem).

A site's WAN link is then two persistent TAP devices instead of a veth pair: one in
the core namespace (a port of the ISP bridge) and one in the site's router namespace
(its WAN interface). This process attaches to both and copies every Ethernet frame
from one to the other after holding it for DELAY +- JITTER milliseconds. Frames keep
their order in each direction (a frame is never released before the one read before
it), so jitter shows as variable delay, not reordering.

Usage (run inside the namespace of the first TAP):
    fwd.py --tap w1 --peer-netns /run/netns/lab-site1-r --peer-tap wan0 \
           --delay 20 [--jitter 5] [--queue 4096]

The TAP devices carry no offloads (no TUNSETOFFLOAD), so the kernel hands us frames
of at most the MTU with complete checksums, and we write back plain frames.
Prints "ready" once both TAPs are attached. SIGTERM ends it.
"""
import argparse
import collections
import ctypes
import fcntl
import os
import random
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000
MAX_FRAME = 65536
READ_BATCH = 64


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def enter_netns(path):
    libc = ctypes.CDLL(None, use_errno=True)
    nsfd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(nsfd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, "setns(%s): %s" % (path, os.strerror(err)))
    finally:
        os.close(nsfd)


class Direction:
    """Frames read from `src`, waiting to be written to `dst`."""

    def __init__(self, src, dst, delay, jitter, limit):
        self.src, self.dst = src, dst
        self.delay, self.jitter, self.limit = delay, jitter, limit
        self.queue = collections.deque()  # (release time, frame)
        self.last_release = 0.0
        self.dropped = 0

    def read(self, now):
        for _ in range(READ_BATCH):
            try:
                frame = os.read(self.src, MAX_FRAME)
            except BlockingIOError:
                return
            except OSError:
                return  # device went down; the lab is being torn down
            if len(self.queue) >= self.limit:
                self.dropped += 1  # a full queue drops, like a router's buffer
                continue
            hold = self.delay
            if self.jitter:
                hold += random.uniform(-self.jitter, self.jitter)
            release = max(now + max(hold, 0.0), self.last_release)
            self.last_release = release
            self.queue.append((release, frame))

    def flush(self, now):
        while self.queue and self.queue[0][0] <= now:
            _, frame = self.queue.popleft()
            try:
                os.write(self.dst, frame)
            except OSError:
                pass  # peer down or full: the frame is lost, as on a wire

    def next_release(self):
        return self.queue[0][0] if self.queue else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tap", required=True, help="TAP in this namespace")
    ap.add_argument("--peer-netns", required=True, help="/run/netns/NAME of the other TAP")
    ap.add_argument("--peer-tap", required=True, help="TAP in the peer namespace")
    ap.add_argument("--delay", type=float, default=0.0, help="one-way delay, ms")
    ap.add_argument("--jitter", type=float, default=0.0, help="+- jitter, ms")
    ap.add_argument("--queue", type=int, default=4096, help="frames held per direction")
    args = ap.parse_args()

    a = open_tap(args.tap)
    enter_netns(args.peer_netns)
    b = open_tap(args.peer_tap)
    delay, jitter = args.delay / 1000.0, args.jitter / 1000.0
    dirs = {a: Direction(a, b, delay, jitter, args.queue),
            b: Direction(b, a, delay, jitter, args.queue)}
    print("ready: %s <-> %s delay %.1f ms jitter %.1f ms" %
          (args.tap, args.peer_tap, args.delay, args.jitter), flush=True)

    while True:
        now = time.monotonic()
        releases = [t for t in (d.next_release() for d in dirs.values()) if t is not None]
        timeout = max(0.0, min(releases) - now) if releases else None
        readable, _, _ = select.select([a, b], [], [], timeout)
        now = time.monotonic()
        for fd in readable:
            dirs[fd].read(now)
        for d in dirs.values():
            d.flush(now)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
