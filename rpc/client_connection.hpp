#pragma once
// The client connection of the request an HTTP worker thread is serving right now.
// HttpListener records the socket around process_request; a streaming response (the
// SSE stream of GET /v1/events) asks whether the client has gone, instead of waiting
// for a write to fail (the first write after a client closes still succeeds).
namespace p2pd::rpc {

// True when the current request's client closed its side (FIN, reset or error).
// False outside a request served by HttpListener.
bool client_connection_closed();

// Marks `fd` as the current thread's request socket for the guard's lifetime.
class ClientConnectionScope {
 public:
  explicit ClientConnectionScope(int fd);
  ~ClientConnectionScope();
  ClientConnectionScope(const ClientConnectionScope&) = delete;
  ClientConnectionScope& operator=(const ClientConnectionScope&) = delete;

 private:
  int previous_;
};

}  // namespace p2pd::rpc
