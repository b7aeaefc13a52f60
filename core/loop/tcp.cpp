#include "core/loop/tcp.hpp"

#include <memory>

#include "core/loop/uv_error.hpp"

namespace p2pd::loop {

namespace {

using detail::TcpBlock;

TcpBlock* tcp_block(const void* data) { return detail::block_of<TcpBlock>(data); }

TcpBlock* new_tcp_block(Loop& loop) {
  auto* block = new TcpBlock;
  block->loop = &loop;
  uv_tcp_init(loop.raw(), &block->uv);
  block->uv.data = static_cast<detail::BlockBase*>(block);
  return block;
}

// A request that outlives nothing: freed in its own callback. Its callback is dropped
// when the owning handle is closing (libuv cancels pending requests before the close
// callback frees the block, so the block is still valid here).
struct WriteReq {
  uv_write_t req{};
  std::vector<std::uint8_t> bytes;
  Tcp::DoneFn on_written;
};

struct ConnectReq {
  uv_connect_t req{};
  Tcp::DoneFn on_connected;
  std::string what;
};

struct ShutdownReq {
  uv_shutdown_t req{};
  Tcp::DoneFn on_done;
};

}  // namespace

Tcp::Tcp(Loop& loop) : HandleOwner(new_tcp_block(loop)) {}

Status Tcp::open(int fd) {
  if (!block_) return Error{"closed", "tcp handle is closed"};
  return uv_status(uv_tcp_open(&block_->uv, fd), "tcp open");
}

Status Tcp::bind(const net::Endpoint& local) {
  if (!block_) return Error{"closed", "tcp handle is closed"};
  sockaddr_storage ss{};
  local.to_sockaddr(ss);
  unsigned flags = local.address.family == net::Family::v6 ? UV_TCP_IPV6ONLY : 0;
  return uv_status(uv_tcp_bind(&block_->uv, reinterpret_cast<sockaddr*>(&ss), flags),
                   "bind " + local.to_string());
}

Status Tcp::listen(int backlog, DoneFn on_connection) {
  if (!block_) return Error{"closed", "tcp handle is closed"};
  block_->on_connection = std::move(on_connection);
  return uv_status(uv_listen(reinterpret_cast<uv_stream_t*>(&block_->uv), backlog,
                             [](uv_stream_t* s, int status) {
                               auto* b = tcp_block(s->data);
                               if (b->closing || !b->on_connection) return;
                               b->on_connection(uv_status(status, "accept"));
                             }),
                   "listen");
}

Result<Tcp> Tcp::accept() {
  if (!block_) return Error{"closed", "tcp handle is closed"};
  Tcp client(*block_->loop);
  int rc = uv_accept(reinterpret_cast<uv_stream_t*>(&block_->uv),
                     reinterpret_cast<uv_stream_t*>(&client.block_->uv));
  if (rc != 0) return uv_error(rc, "accept");
  return client;
}

void Tcp::connect(const net::Endpoint& remote, DoneFn on_connected) {
  if (!block_) {
    if (on_connected) on_connected(Error{"closed", "tcp handle is closed"});
    return;
  }
  sockaddr_storage ss{};
  remote.to_sockaddr(ss);
  auto req = std::make_unique<ConnectReq>();
  req->on_connected = std::move(on_connected);
  req->what = "connect " + remote.to_string();
  int rc = uv_tcp_connect(&req->req, &block_->uv, reinterpret_cast<sockaddr*>(&ss),
                          [](uv_connect_t* r, int status) {
                            std::unique_ptr<ConnectReq> own(reinterpret_cast<ConnectReq*>(r));
                            auto* b = tcp_block(r->handle->data);
                            if (b->closing || !own->on_connected) return;
                            own->on_connected(uv_status(status, own->what));
                          });
  if (rc != 0) {
    // Reported at once: the caller is on the loop thread and must expect it.
    if (req->on_connected) req->on_connected(uv_error(rc, req->what));
    return;
  }
  req.release();
}

Status Tcp::read_start(DataFn on_data, DoneFn on_end) {
  if (!block_) return Error{"closed", "tcp handle is closed"};
  block_->on_data = std::move(on_data);
  block_->on_end = std::move(on_end);
  return uv_status(uv_read_start(
      reinterpret_cast<uv_stream_t*>(&block_->uv),
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto span = tcp_block(h->data)->loop->read_buffer();
        *buf = uv_buf_init(span.data(), static_cast<unsigned>(span.size()));
      },
      [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
        auto* b = tcp_block(s->data);
        if (b->closing) return;
        if (n > 0) {
          if (b->on_data)
            b->on_data({reinterpret_cast<const std::uint8_t*>(buf->base), static_cast<std::size_t>(n)});
          return;
        }
        if (n == 0) return;  // EAGAIN
        uv_read_stop(s);
        // Move the callback out: it may close or destroy this handle.
        auto on_end = std::move(b->on_end);
        b->on_end = nullptr;
        if (on_end) on_end(n == UV_EOF ? Status{} : Status{uv_error(static_cast<int>(n), "read")});
      }),
      "read start");
}

void Tcp::read_stop() {
  if (block_) uv_read_stop(reinterpret_cast<uv_stream_t*>(&block_->uv));
}

void Tcp::write(std::vector<std::uint8_t> bytes, DoneFn on_written) {
  if (!block_) {
    if (on_written) on_written(Error{"closed", "tcp handle is closed"});
    return;
  }
  auto req = std::make_unique<WriteReq>();
  req->bytes = std::move(bytes);
  req->on_written = std::move(on_written);
  uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(req->bytes.data()),
                             static_cast<unsigned>(req->bytes.size()));
  int rc = uv_write(&req->req, reinterpret_cast<uv_stream_t*>(&block_->uv), &buf, 1,
                    [](uv_write_t* r, int status) {
                      std::unique_ptr<WriteReq> own(reinterpret_cast<WriteReq*>(r));
                      auto* b = tcp_block(r->handle->data);
                      if (b->closing || !own->on_written) return;
                      own->on_written(uv_status(status, "write"));
                    });
  if (rc != 0) {
    if (req->on_written) req->on_written(uv_error(rc, "write"));
    return;
  }
  req.release();
}

void Tcp::shutdown(DoneFn on_done) {
  if (!block_) {
    if (on_done) on_done(Error{"closed", "tcp handle is closed"});
    return;
  }
  auto req = std::make_unique<ShutdownReq>();
  req->on_done = std::move(on_done);
  int rc = uv_shutdown(&req->req, reinterpret_cast<uv_stream_t*>(&block_->uv),
                       [](uv_shutdown_t* r, int status) {
                         std::unique_ptr<ShutdownReq> own(reinterpret_cast<ShutdownReq*>(r));
                         auto* b = tcp_block(r->handle->data);
                         if (b->closing || !own->on_done) return;
                         own->on_done(uv_status(status, "shutdown"));
                       });
  if (rc != 0) {
    if (req->on_done) req->on_done(uv_error(rc, "shutdown"));
    return;
  }
  req.release();
}

std::size_t Tcp::write_queue_size() const { return block_ ? block_->uv.write_queue_size : 0; }

Status Tcp::set_nodelay(bool on) {
  if (!block_) return Error{"closed", "tcp handle is closed"};
  return uv_status(uv_tcp_nodelay(&block_->uv, on ? 1 : 0), "nodelay");
}

Result<net::Endpoint> Tcp::local_endpoint() const {
  if (!block_) return Error{"closed", "tcp handle is closed"};
  sockaddr_storage ss{};
  int len = sizeof(ss);
  int rc = uv_tcp_getsockname(&block_->uv, reinterpret_cast<sockaddr*>(&ss), &len);
  if (rc != 0) return uv_error(rc, "getsockname");
  return net::Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss));
}

Result<net::Endpoint> Tcp::remote_endpoint() const {
  if (!block_) return Error{"closed", "tcp handle is closed"};
  sockaddr_storage ss{};
  int len = sizeof(ss);
  int rc = uv_tcp_getpeername(&block_->uv, reinterpret_cast<sockaddr*>(&ss), &len);
  if (rc != 0) return uv_error(rc, "getpeername");
  return net::Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss));
}

int Tcp::fd() const {
  uv_os_fd_t fd = -1;
  if (block_) uv_fileno(reinterpret_cast<const uv_handle_t*>(&block_->uv), &fd);
  return fd;
}

}  // namespace p2pd::loop
