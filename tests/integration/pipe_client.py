"""What the pipe tests do as a user's program would: wait for a daemon's state, stream
checked bytes through sockets (both ways at once), and call the pipe routes. Shared by the
forward, tunnel, peer pipe and peer path tests."""
import hashlib
import socket
import threading
import time


def wait_for(predicate, timeout=5.0, step=0.02):
    """Polls `predicate` until it returns something true (returned) or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def pattern(size, seed):
    """Deterministic bytes in 1 MiB chunks; each chunk differs (its index is in it), so a
    lost, repeated or reordered chunk changes the digest."""
    base = hashlib.sha256(seed.encode()).digest() * (1 << 15)
    for i, off in enumerate(range(0, size, len(base))):
        chunk = i.to_bytes(8, "big") + base[8:]
        yield chunk[: min(len(chunk), size - off)]


def rss_kib(pid):
    """The resident memory of process `pid` (VmRSS in /proc/<pid>/status), in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


def recv_all(sock, bufsize=1 << 20):
    """Reads to EOF; returns (byte count, sha256 hex)."""
    h = hashlib.sha256()
    n = 0
    while True:
        data = sock.recv(bufsize)
        if not data:
            return n, h.hexdigest()
        h.update(data)
        n += len(data)


def recv_exactly(sock, n, timeout=10):
    sock.settimeout(timeout)
    got = b""
    while len(got) < n:
        data = sock.recv(n - len(got))
        if not data:
            break
        got += data
    return got


def send_pattern(sock, size, seed):
    """Sends pattern(size, seed), then FIN; returns the sha256 hex of what was sent."""
    h = hashlib.sha256()
    for chunk in pattern(size, seed):
        sock.sendall(chunk)
        h.update(chunk)
    sock.shutdown(socket.SHUT_WR)
    return h.hexdigest()


def stream_both_ways(a, b, a_to_b, b_to_a, timeout):
    """Sends a_to_b bytes from socket a to b and b_to_a from b to a at the same time, each
    side finishing with FIN. Returns (results, seconds, stalled): results["ab"] and
    results["ba"] are {"received": bytes received, "digest": their sha256, "sent": the
    sha256 of what was sent} (None where a thread did not finish)."""
    sent, got = {}, {}

    def pump(sock, size, key):
        sent[key] = send_pattern(sock, size, key)

    def drain(sock, key):
        got[key] = recv_all(sock)

    threads = [threading.Thread(target=pump, args=(a, a_to_b, "ab")),
               threading.Thread(target=drain, args=(b, "ab")),
               threading.Thread(target=pump, args=(b, b_to_a, "ba")),
               threading.Thread(target=drain, args=(a, "ba"))]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, start + timeout - time.monotonic()))
    elapsed = time.monotonic() - start
    stalled = any(t.is_alive() for t in threads)
    results = {}
    for k in ("ab", "ba"):
        received, digest = got.get(k, (None, None))
        results[k] = {"received": received, "digest": digest, "sent": sent.get(k)}
    return results, elapsed, stalled


class PipeCalls:
    """unittest mixin: the /v1/pipes calls the tests make, against any daemon `d`."""

    def assert_streamed(self, result, size):
        """One direction of stream_both_ways arrived whole: `size` bytes, the same digest."""
        self.assertEqual((result["received"], result["digest"]), (size, result["sent"]), result)

    def tcp_pipe_to_listener(self, d, name, **extra):
        """A TCP pipe to a listener of this test; returns the accepted server-side socket."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        try:
            r = d.request("POST", "/v1/pipes", dict({"name": name, "host": "127.0.0.1",
                                                     "port": listener.getsockname()[1]}, **extra))
            self.assertEqual(r.status, 201, r.body)
            listener.settimeout(5)
            return listener.accept()[0]
        finally:
            listener.close()

    def open_pipe(self, d, name, to, **extra):
        """A peer pipe `name` from daemon d to `to`; returns its view."""
        r = d.request("POST", "/v1/pipes", dict({"name": name, "to": to}, **extra), timeout=30)
        self.assertEqual(r.status, 201, r.body)
        return r.json()["pipe"]

    def incoming(self, d, stream):
        """The pipe a daemon made of an incoming stream named `stream`."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for p in d.get("/v1/pipes").json()["pipes"]:
                peer = p.get("peer") or {}
                if peer.get("stream") == stream and peer.get("direction") == "in":
                    return p
            time.sleep(0.05)
        self.fail("no incoming pipe for stream %s" % stream)

    def send(self, d, pipe, text):
        r = d.request("POST", "/v1/pipes/%s/send" % pipe, {"text": text})
        self.assertEqual(r.status, 200, r.body)

    def recv_text(self, d, pipe, want):
        """Receives from the pipe until len(want) characters came (or 10 s); checks them."""
        got = ""
        deadline = time.monotonic() + 10
        while len(got) < len(want) and time.monotonic() < deadline:
            r = d.get("/v1/pipes/%s/recv?timeout_ms=2000" % pipe)
            if r.status == 504:
                continue
            self.assertEqual(r.status, 200, r.body)
            got += r.json()["text"]
        self.assertEqual(got, want)

    def forward_port(self, d, pipe, listen="127.0.0.1:0"):
        """Forwards the pipe to a loopback port; returns the port."""
        r = d.request("POST", "/v1/pipes/%s/forward" % pipe, {"listen": listen})
        self.assertEqual(r.status, 201, r.body)
        body = r.json()
        self.assertEqual(body["pipe"], pipe)
        self.assertEqual(body["listen"], "127.0.0.1:%d" % body["port"])
        return body["port"]

    def wait_connected(self, d, pipe):
        """Waits until the pipe's forward or tunnel holds its local connection."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            attachment = d.get("/v1/pipes/" + pipe).json()["pipe"].get("attachment") or {}
            if attachment.get("connected"):
                return
            time.sleep(0.02)
        self.fail("the forward of %s got no connection" % pipe)

    def pipe_view(self, d, name):
        r = d.get("/v1/pipes/" + name)
        return r.json()["pipe"] if r.status == 200 else None

    def gone(self, d, name):
        return d.get("/v1/pipes/" + name).status == 404

    def close(self, d, pipe):
        d.request("DELETE", "/v1/pipes/" + pipe)
