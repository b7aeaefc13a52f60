#pragma once
// A scripted pipe::Transport for unit tests (no sockets): what the pipe sends, how it
// flow-controls and closes lands in a Wire the test keeps; the test plays the remote
// through wire->handler. Shared by the Pipe and PipeManager tests.
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/pipe/transport.hpp"

namespace p2pd::pipe::testing {

inline net::Endpoint ep(const std::string& s) { return net::Endpoint::parse(s).value(); }

inline std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// What the fake saw; outlives the transport (the pipe owns that).
struct Wire {
  TransportHandler* handler = nullptr;
  std::vector<std::pair<std::string, std::optional<net::Endpoint>>> sent;
  std::vector<bool> reading_changes;
  bool reading = true;
  bool closed = false;
  bool graceful = false;
  bool shut_write = false;
  bool destroyed = false;
  std::size_t backlog = 0;
  std::optional<Error> start_error;  // start() fails with it
};

class FakeTransport final : public Transport {
 public:
  FakeTransport(std::shared_ptr<Wire> wire, bool stream) : wire_(std::move(wire)), stream_(stream) {}
  ~FakeTransport() override { wire_->destroyed = true; }
  std::string_view kind() const override { return stream_ ? "tcp" : "udp"; }
  bool is_stream() const override { return stream_; }
  bool can_send_to() const override { return !stream_; }
  Status start(TransportHandler* handler) override {
    if (wire_->start_error) return *wire_->start_error;
    wire_->handler = handler;
    return {};
  }
  void set_reading(bool on) override {
    wire_->reading = on;
    wire_->reading_changes.push_back(on);
  }
  Status send(std::vector<std::uint8_t> b, const std::optional<net::Endpoint>& to) override {
    if (wire_->closed) return Error{"closed", "fake closed"};
    wire_->sent.emplace_back(std::string(b.begin(), b.end()), to);
    return {};
  }
  std::size_t backlog() const override { return wire_->backlog; }
  void shutdown_write() override { wire_->shut_write = true; }
  void close(bool graceful) override {
    if (wire_->closed) return;
    wire_->closed = true;
    wire_->graceful = graceful;
    wire_->handler = nullptr;
  }
  std::optional<net::Endpoint> local() const override { return ep("127.0.0.1:1000"); }
  std::optional<net::Endpoint> remote() const override { return ep("127.0.0.1:2000"); }

 private:
  std::shared_ptr<Wire> wire_;
  bool stream_;
};

}  // namespace p2pd::pipe::testing
