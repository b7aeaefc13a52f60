#pragma once
// One API listener: a cpp-httplib Server that serves its connections itself.
//
// cpp-httplib 0.11 has no public way to take a socket away from the server, but
// process_and_close_socket() is a (private) virtual and process_request() is
// protected. HttpListener overrides the former with its own keep-alive loop over
// SocketStream. Before each request it peeks at the request line and offers the
// connection to a takeover hook (the pipes layer uses it for GET /tunnel/<c>, which
// turns the HTTP connection into a raw relay owned by the loop); every other request
// goes through process_request and the normal routes.
#include <httplib.h>

#include <functional>
#include <string>
#include <string_view>

namespace p2pd::rpc {

class HttpListener : public httplib::Server {
 public:
  // Called on an HTTP worker thread with the socket and the peeked request head (up to
  // the blank line, or what arrived within the read timeout). Return true to take the
  // socket: the listener then neither reads from it nor closes it.
  using Takeover = std::function<bool(int fd, std::string_view request_head)>;

  explicit HttpListener(bool is_unix) : is_unix_(is_unix) {}
  bool is_unix() const { return is_unix_; }
  void set_takeover(Takeover takeover) { takeover_ = std::move(takeover); }

 private:
  bool process_and_close_socket(int sock) override;
  bool serve_connection(int sock);

  bool is_unix_;
  Takeover takeover_;
};

}  // namespace p2pd::rpc
