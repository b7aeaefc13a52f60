#pragma once
// A TCP socket on the loop: listener, accepted connection or outgoing connection.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/loop/handle.hpp"
#include "core/loop/loop.hpp"
#include "core/net/endpoint.hpp"
#include "core/result.hpp"

namespace p2pd::loop {

namespace detail {
struct TcpBlock : BlockBase {
  uv_tcp_t uv{};
  Loop* loop = nullptr;
  std::function<void(Status)> on_connection;
  std::function<void(std::span<const std::uint8_t>)> on_data;
  std::function<void(Status)> on_end;  // ok() = orderly EOF, else the read error
};
}  // namespace detail

class Tcp : public detail::HandleOwner<detail::TcpBlock> {
 public:
  using DataFn = std::function<void(std::span<const std::uint8_t>)>;
  using DoneFn = std::function<void(Status)>;

  Tcp() = default;
  explicit Tcp(Loop& loop);

  Status open(int fd);                        // adopt a socket (see net::socket_bind)
  Status bind(const net::Endpoint& local);
  Status listen(int backlog, DoneFn on_connection);
  Result<Tcp> accept();                       // call from on_connection
  void connect(const net::Endpoint& remote, DoneFn on_connected);

  // Data arrives as spans into the loop's shared buffer: copy what you keep. on_end
  // runs once, with ok() at EOF or the error; reading has stopped by then.
  Status read_start(DataFn on_data, DoneFn on_end);
  void read_stop();

  // Queues bytes; on_written (optional) runs when the kernel took them or with the error.
  void write(std::vector<std::uint8_t> bytes, DoneFn on_written = {});
  // Sends FIN after queued writes.
  void shutdown(DoneFn on_done = {});
  std::size_t write_queue_size() const;

  Status set_nodelay(bool on);
  Result<net::Endpoint> local_endpoint() const;
  Result<net::Endpoint> remote_endpoint() const;
  int fd() const;

 private:
  using HandleOwner::HandleOwner;
};

}  // namespace p2pd::loop
