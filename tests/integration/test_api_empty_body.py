"""A POST with no body at all (neither Content-Length nor Transfer-Encoding, as
`curl -X POST` sends it) is a request with an empty body (RFC 9112 §6.3): the route
answers at once with the project's JSON (docs/API.md "REST conventions"), instead of
the daemon waiting for the read timeout and answering a bare 400."""
import json
import time

from p2pd_harness import Daemon, DaemonTestCase, main, raw_http


class EmptyBody(DaemonTestCase):
    def post_without_length(self, path, extra=""):
        host, port = self.d.tcp_endpoint(4)
        raw = ("POST %s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n%sConnection: close\r\n\r\n"
               % (path, host, port, self.d.token, extra)).encode()
        start = time.monotonic()
        answer = raw_http(host, port, raw, timeout=8)
        elapsed = time.monotonic() - start
        head, _, body = answer.partition(b"\r\n\r\n")
        status = int(head.split(b" ")[1])
        return status, head.decode(), json.loads(body), elapsed

    def test_a_json_route_answers_its_own_error_at_once(self):
        for extra in ("", "Content-Type: application/json\r\n"):
            status, head, body, elapsed = self.post_without_length("/v1/pipes", extra)
            self.assertLess(elapsed, 1.0, head)
            self.assertEqual(status, 400, head)
            self.assertIn("Content-Type: application/json", head)
            self.assertEqual(body["error"], "bad_request")
            self.assertIn('"name" is required', body["message"])  # the route's own check ran

    def test_an_empty_body_is_an_empty_object(self):
        status, head, body, elapsed = self.post_without_length("/v1/servers")
        self.assertLess(elapsed, 1.0, head)
        self.assertEqual((status, body["error"]), (400, "bad_request"), body)
        self.assertIn("name", body["message"])


if __name__ == "__main__":
    main()
