#pragma once
// Attachments that give a pipe to a local program (POST /v1/pipes/<name>/forward,
// GET /tunnel/<name>); each is owned by its pipe and dies with it.
//  StreamForward    a loopback TCP port; the first connection is relayed to the pipe
//                   (stream_relay.hpp) and the port closes — a pipe is one channel.
//  DatagramForward  a loopback UDP port for a UDP pipe: datagrams from the local
//                   program go to the pipe's remote; the pipe's datagrams go to the
//                   local program (the last address that sent to the port).
//  Tunnel           an already connected socket (the HTTP connection of /tunnel).
#include <memory>
#include <optional>

#include "core/loop/tcp.hpp"
#include "core/loop/udp.hpp"
#include "core/pipe/lingerer.hpp"
#include "core/pipe/pipe.hpp"
#include "core/pipe/stream_relay.hpp"

namespace p2pd::pipe {

class StreamForward final : public PipeAttachment {
 public:
  StreamForward(loop::Loop& loop, const PipeLimits& limits, Lingerer& lingerer, Pipe& pipe);
  // Binds and listens; returns the bound endpoint.
  Result<net::Endpoint> start(const net::Endpoint& listen);

  std::string kind() const override { return "forward"; }
  std::string listen() const override { return bound_.to_string(); }
  bool connected() const override { return relay_ && relay_->active(); }

 private:
  void on_connection();

  loop::Loop& loop_;
  const PipeLimits& limits_;
  Lingerer& lingerer_;
  Pipe& pipe_;
  loop::Tcp listener_;
  net::Endpoint bound_;
  std::unique_ptr<StreamRelay> relay_;
};

class DatagramForward final : public PipeAttachment, private PipeTap {
 public:
  DatagramForward(loop::Loop& loop, Pipe& pipe);
  ~DatagramForward() override;
  Result<net::Endpoint> start(const net::Endpoint& listen);

  std::string kind() const override { return "forward"; }
  std::string listen() const override { return bound_.to_string(); }
  bool connected() const override { return app_.has_value(); }

 private:
  void on_pipe_data(std::span<const std::uint8_t> bytes, const net::Endpoint& from) override;
  void on_pipe_end(Status status) override;
  void on_pipe_drained() override {}

  loop::Loop& loop_;
  Pipe& pipe_;
  loop::Udp udp_;
  net::Endpoint bound_;
  std::optional<net::Endpoint> app_;  // where the local program sends from
  bool attached_ = false;
};

class Tunnel final : public PipeAttachment {
 public:
  Tunnel(loop::Loop& loop, const PipeLimits& limits, Lingerer& lingerer, Pipe& pipe, loop::Tcp conn)
      : relay_(loop, limits, lingerer, pipe, std::move(conn)) {}
  Status start() { return relay_.start(); }

  std::string kind() const override { return "tunnel"; }
  bool connected() const override { return relay_.active(); }

 private:
  StreamRelay relay_;
};

// Forward endpoints must be loopback addresses: a forward is for local programs.
Status check_loopback(const net::Endpoint& listen);

}  // namespace p2pd::pipe
