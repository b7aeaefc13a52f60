#pragma once
// A cpp-httplib Stream over a plain socket (TCP or unix), with read/write timeouts.
// cpp-httplib's own SocketStream is internal to its .so; HttpListener needs its own to
// drive Server::process_request itself (see http_listener.hpp).
#include <httplib.h>

#include <ctime>
#include <string>

namespace p2pd::rpc {

class SocketStream final : public httplib::Stream {
 public:
  SocketStream(int fd, time_t read_timeout_s, time_t write_timeout_s);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  int socket() const override { return fd_; }

 private:
  int fd_;
  int read_timeout_ms_;
  int write_timeout_ms_;
};

// Waits until fd is readable, at most timeout_ms; true if it is.
bool wait_readable(int fd, int timeout_ms);

}  // namespace p2pd::rpc
