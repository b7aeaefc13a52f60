"""Peers that vanish mid-stream, against the real daemon: the local program of a forward
resetting its connection (SO_LINGER 0) or killed with SIGKILL while bytes flow both
ways, the remote of a pipe resetting while a REST long poll waits and while its bytes
are queued, and a client of a server killed mid-stream. Each time the pipe ends cleanly:
the API shows why (state, close_reason), then the pipe leaves the table; waiting polls
get 409 `closed` at once rather than a timeout; the daemon stays up and keeps serving."""
import socket
import struct
import subprocess
import sys
import threading
import time

from p2pd_harness import Daemon, DaemonTestCase, main
from pipe_client import PipeCalls, wait_for

# A local program that connects, then sends and reads forever (until it is killed).
CHATTER = r"""
import socket, sys, threading
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
def drain():
    while s.recv(1 << 16):
        pass
threading.Thread(target=drain, daemon=True).start()
print("connected", flush=True)
chunk = b"v" * 65536
while True:
    s.sendall(chunk)
"""


def reset(sock):
    """Closes with an RST instead of a FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class Pump:
    """Sends to and drains one socket on threads until it fails (the peer vanished)."""

    def __init__(self, sock):
        self.sock, self.received, self.sent, self.ended = sock, 0, 0, threading.Event()
        self.threads = [threading.Thread(target=self.send, daemon=True),
                        threading.Thread(target=self.drain, daemon=True)]
        for t in self.threads:
            t.start()

    def send(self):
        chunk = b"r" * 65536
        try:
            while not self.ended.is_set():
                self.sock.sendall(chunk)
                self.sent += len(chunk)
        except OSError:
            pass

    def drain(self):
        try:
            while True:
                data = self.sock.recv(1 << 16)
                if not data:
                    break
                self.received += len(data)
        except OSError:
            pass
        self.ended.set()


class PipeVanish(PipeCalls, DaemonTestCase):
    def assert_daemon_fine(self):
        self.assertIsNone(self.d.proc.poll(), self.d.output())
        self.assertEqual(self.d.get("/v1/status").status, 200)

    def forward_with_traffic(self, name):
        """A TCP pipe to a server socket that pumps both ways, forwarded; returns
        (server pump, forwarded port)."""
        server = self.tcp_pipe_to_listener(self.d, name)
        pump = Pump(server)
        return pump, self.forward_port(self.d, name)

    def assert_forward_ends(self, name, pump):
        # The relay passes the end on: the server's side of the pipe is closed too ...
        self.assertTrue(pump.ended.wait(10), self.pipe_view(self.d, name))
        # ... and the pipe leaves the table.
        self.assertTrue(wait_for(lambda: self.gone(self.d, name), timeout=10), self.pipe_view(self.d, name))
        self.assert_daemon_fine()

    def test_forward_local_program_resets_mid_stream(self):
        pump, port = self.forward_with_traffic("vr")
        try:
            app = socket.create_connection(("127.0.0.1", port), timeout=5)
            app_pump = Pump(app)
            self.wait_connected(self.d, "vr")
            self.assertTrue(wait_for(lambda: pump.received > (4 << 20) and app_pump.received > (4 << 20),
                                     timeout=20), (pump.received, app_pump.received))
            app_pump.ended.set()
            reset(app)
            self.assert_forward_ends("vr", pump)
        finally:
            pump.sock.close()

    def test_forward_local_program_killed_mid_stream(self):
        pump, port = self.forward_with_traffic("vk")
        child = subprocess.Popen([sys.executable, "-c", CHATTER, str(port)], stdout=subprocess.PIPE)
        try:
            self.assertEqual(child.stdout.readline(), b"connected\n")
            self.wait_connected(self.d, "vk")
            self.assertTrue(wait_for(lambda: pump.received > (4 << 20), timeout=20), pump.received)
            child.kill()
            child.wait(5)
            self.assert_forward_ends("vk", pump)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            child.stdout.close()
            pump.sock.close()

    def test_remote_resets_while_a_poll_waits(self):
        server = self.tcp_pipe_to_listener(self.d, "vp")
        try:
            result = {}

            def poll():
                t0 = time.monotonic()
                result["r"] = self.d.get("/v1/pipes/vp/recv?timeout_ms=20000", timeout=30)
                result["s"] = time.monotonic() - t0

            waiter = threading.Thread(target=poll)
            waiter.start()
            self.assertTrue(wait_for(lambda: self.pipe_view(self.d, "vp")["subs"][0]["waiting"] == 1))
            reset(server)
            waiter.join(25)
            self.assertEqual(result["r"].status, 409, result["r"].body)  # not a 504 after 20 s
            self.assertEqual(result["r"].json()["error"], "closed")
            self.assertLess(result["s"], 5)
            self.assertTrue(wait_for(lambda: self.gone(self.d, "vp")))
            self.assertEqual(self.d.get("/v1/pipes/vp/recv?timeout_ms=0").status, 404)
            self.assert_daemon_fine()
        finally:
            server.close()

    def test_remote_resets_with_bytes_queued(self):
        server = self.tcp_pipe_to_listener(self.d, "vq")
        try:
            server.sendall(b"before the reset")
            self.assertTrue(wait_for(lambda: self.pipe_view(self.d, "vq")["bytes_in"] == 16))
            reset(server)
            view = wait_for(lambda: (v := self.pipe_view(self.d, "vq")) and v["state"] != "open" and v)
            self.assertEqual(view["state"], "remote_closed", view)
            self.assertIn("reset", view["close_reason"].lower(), view)
            r = self.d.get("/v1/pipes/vq/recv?timeout_ms=0")
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(r.json()["text"], "before the reset")
            self.assertTrue(wait_for(lambda: self.gone(self.d, "vq")))
            # Sending to it now is an error value, not a crash.
            self.assertEqual(self.d.request("POST", "/v1/pipes/vq/send", {"text": "x"}).status, 404)
            self.assert_daemon_fine()
        finally:
            server.close()

    def test_server_client_killed_mid_stream(self):
        r = self.d.request("POST", "/v1/servers", {"name": "vs", "families": ["ipv4"]})
        self.assertEqual(r.status, 201, r.body)
        port = r.json()["server"]["ports"][0]
        child = subprocess.Popen([sys.executable, "-c", CHATTER, str(port)], stdout=subprocess.PIPE)
        try:
            self.assertEqual(child.stdout.readline(), b"connected\n")
            self.assertTrue(wait_for(lambda: (v := self.pipe_view(self.d, "vs.1")) and v["bytes_in"] > (1 << 20)))
            # A reader and a sender are busy on the pipe when its client dies.
            r = self.d.request("POST", "/v1/pipes/vs.1/send", b"x" * 65536,
                               headers={"Content-Type": "application/octet-stream"})
            self.assertEqual(r.status, 200, r.body)
            child.kill()
            child.wait(5)
            # Its queue holds unread bytes: it stays readable, then drains away.
            got = 0
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                m = self.d.get("/v1/pipes/vs.1/recv?timeout_ms=1000", headers={"Accept": "application/octet-stream"})
                if m.status != 200:
                    break
                got += len(m.body)
            self.assertIn(m.status, (404, 409), m.body)
            self.assertGreater(got, 0)
            self.assertTrue(wait_for(lambda: self.gone(self.d, "vs.1")))
            server = self.d.get("/v1/servers/vs").json()["server"]
            self.assertEqual(server["pipes"], [], server)
            self.assertEqual(server["accepted"], 1)
            # The server still takes connections.
            with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                c.sendall(b"next one")
                self.assertTrue(wait_for(lambda: self.pipe_view(self.d, "vs.2")))
            self.assert_daemon_fine()
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            child.stdout.close()
            self.d.request("DELETE", "/v1/servers/vs")


if __name__ == "__main__":
    main()
