#include "rpc/http_listener.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "rpc/client_connection.hpp"
#include "rpc/socket_stream.hpp"

namespace p2pd::rpc {

namespace {

constexpr int kStopCheckMs = 50;     // how often an idle keep-alive wait looks for stop()
constexpr std::size_t kPeekMax = 4096;
constexpr int kPeekRetryMs = 5;

// Peeks at what the client sent so far (without consuming it), up to the end of the
// request head if it is complete.
std::string peek_once(int fd) {
  char buf[kPeekMax];
  ssize_t n = ::recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
  if (n <= 0) return {};
  std::string_view view(buf, static_cast<std::size_t>(n));
  auto end = view.find("\r\n\r\n");
  return std::string(end == std::string_view::npos ? view : view.substr(0, end + 4));
}

bool complete(std::string_view head) { return head.size() >= 4 && head.substr(head.size() - 4) == "\r\n\r\n"; }

// The head, waiting up to budget_ms for the rest of it when what came so far may be a
// takeover request ("GET /tunnel/..."; everything else is read by process_request).
std::string peek_head(int fd, int budget_ms, const std::atomic<socket_t>& server_socket) {
  constexpr std::string_view kTakeoverPrefix = "GET /tunnel/";
  std::string head = peek_once(fd);
  for (int waited = 0; waited < budget_ms && server_socket != INVALID_SOCKET; waited += kPeekRetryMs) {
    if (head.empty() || complete(head) || head.size() >= kPeekMax) break;
    std::string_view start(head.data(), std::min(head.size(), kTakeoverPrefix.size()));
    if (kTakeoverPrefix.substr(0, start.size()) != start) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(kPeekRetryMs));
    head = peek_once(fd);
  }
  return head;
}

// RFC 9112 §6.3: a request with neither Content-Length nor Transfer-Encoding has no
// body. cpp-httplib would read a POST's body to EOF instead, so `curl -X POST` waited
// for the read timeout and got a bare 400; saying "0" lets the route answer.
void mark_empty_body(httplib::Request& req) {
  if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding"))
    req.headers.emplace("Content-Length", "0");
}

}  // namespace

bool HttpListener::process_and_close_socket(int sock) {
  bool taken = serve_connection(sock);
  if (!taken) {
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
  }
  return true;
}

// Returns true when the takeover hook now owns the socket.
bool HttpListener::serve_connection(int sock) {
  // cpp-httplib writes a response's head and body separately: with Nagle on, the body
  // waits for the client's delayed ACK of the head (~40 ms per keep-alive request).
  if (!is_unix_) {
    int one = 1;
    (void)::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  SocketStream stream(sock, read_timeout_sec_, write_timeout_sec_);
  std::size_t remaining = keep_alive_max_count_;
  const int keep_alive_ms = static_cast<int>(keep_alive_timeout_sec_ * 1000);
  bool first = true;
  while (remaining > 0 && svr_sock_ != INVALID_SOCKET) {
    // The first request gets the read timeout; later ones the keep-alive timeout. Wait
    // in slices so that stop() is noticed quickly.
    int budget = first ? static_cast<int>(read_timeout_sec_ * 1000) : keep_alive_ms;
    bool readable = false;
    while (budget > 0 && svr_sock_ != INVALID_SOCKET) {
      int slice = std::min(budget, kStopCheckMs);
      if (wait_readable(sock, slice)) {
        readable = true;
        break;
      }
      budget -= slice;
    }
    if (!readable || svr_sock_ == INVALID_SOCKET) return false;
    first = false;

    if (takeover_) {
      std::string head = peek_head(sock, static_cast<int>(read_timeout_sec_ * 1000), svr_sock_);
      if (!head.empty() && takeover_(sock, head)) return true;
    }

    bool connection_closed = false;
    ClientConnectionScope current(sock);
    bool ok = process_request(stream, remaining == 1, connection_closed, mark_empty_body);
    if (!ok || connection_closed) return false;
    --remaining;
  }
  return false;
}

}  // namespace p2pd::rpc
