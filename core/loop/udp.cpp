#include "core/loop/udp.hpp"

#include <memory>

#include "core/loop/uv_error.hpp"

namespace p2pd::loop {

namespace {

using detail::UdpBlock;

UdpBlock* udp_block(const void* data) { return detail::block_of<UdpBlock>(data); }

UdpBlock* new_udp_block(Loop& loop, bool recvmmsg) {
  auto* block = new UdpBlock;
  block->loop = &loop;
  uv_udp_init_ex(loop.raw(), &block->uv, recvmmsg ? UV_UDP_RECVMMSG : 0);
  block->uv.data = static_cast<detail::BlockBase*>(block);
  return block;
}

struct SendReq {
  uv_udp_send_t req{};
  std::vector<std::uint8_t> bytes;
  Udp::DoneFn on_sent;
};

}  // namespace

Udp::Udp(Loop& loop, bool recvmmsg) : HandleOwner(new_udp_block(loop, recvmmsg)) {}

Status Udp::open(int fd) {
  if (!block_) return Error{"closed", "udp handle is closed"};
  return uv_status(uv_udp_open(&block_->uv, fd), "udp open");
}

Status Udp::bind(const net::Endpoint& local, bool reuse_addr) {
  if (!block_) return Error{"closed", "udp handle is closed"};
  sockaddr_storage ss{};
  local.to_sockaddr(ss);
  unsigned flags = (local.address.family == net::Family::v6 ? UV_UDP_IPV6ONLY : 0) |
                   (reuse_addr ? UV_UDP_REUSEADDR : 0);
  return uv_status(uv_udp_bind(&block_->uv, reinterpret_cast<sockaddr*>(&ss), flags),
                   "bind " + local.to_string());
}

Status Udp::connect(const net::Endpoint& peer) {
  if (!block_) return Error{"closed", "udp handle is closed"};
  sockaddr_storage ss{};
  peer.to_sockaddr(ss);
  return uv_status(uv_udp_connect(&block_->uv, reinterpret_cast<sockaddr*>(&ss)), "connect " + peer.to_string());
}

Status Udp::recv_start(DatagramFn on_datagram, DoneFn on_error) {
  if (!block_) return Error{"closed", "udp handle is closed"};
  block_->on_datagram = std::move(on_datagram);
  block_->on_error = std::move(on_error);
  return uv_status(uv_udp_recv_start(
      &block_->uv,
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto span = udp_block(h->data)->loop->read_buffer();
        *buf = uv_buf_init(span.data(), static_cast<unsigned>(span.size()));
      },
      [](uv_udp_t* u, ssize_t n, const uv_buf_t* buf, const sockaddr* from, unsigned flags) {
        auto* b = udp_block(u->data);
        if (b->closing) return;
        if (n < 0) {
          if (b->on_error) b->on_error(uv_error(static_cast<int>(n), "recv"));
          return;
        }
        if (from == nullptr || (flags & UV_UDP_PARTIAL)) return;  // nothing, or truncated
        if (b->on_datagram)
          b->on_datagram({reinterpret_cast<const std::uint8_t*>(buf->base), static_cast<std::size_t>(n)},
                         net::Endpoint::from_sockaddr(from));
      }),
      "recv start");
}

void Udp::recv_stop() {
  if (block_) uv_udp_recv_stop(&block_->uv);
}

void Udp::send(const net::Endpoint& to, std::vector<std::uint8_t> bytes, DoneFn on_sent) {
  sockaddr_storage ss{};
  to.to_sockaddr(ss);
  queue_send(reinterpret_cast<const sockaddr*>(&ss), "send to " + to.to_string(), std::move(bytes),
             std::move(on_sent));
}

void Udp::send_connected(std::vector<std::uint8_t> bytes, DoneFn on_sent) {
  queue_send(nullptr, "send", std::move(bytes), std::move(on_sent));
}

void Udp::queue_send(const sockaddr* to, const std::string& what, std::vector<std::uint8_t> bytes,
                     DoneFn on_sent) {
  if (!block_) {
    if (on_sent) on_sent(Error{"closed", "udp handle is closed"});
    return;
  }
  auto req = std::make_unique<SendReq>();
  req->bytes = std::move(bytes);
  req->on_sent = std::move(on_sent);
  uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(req->bytes.data()),
                             static_cast<unsigned>(req->bytes.size()));
  int rc = uv_udp_send(&req->req, &block_->uv, &buf, 1, to, [](uv_udp_send_t* r, int status) {
    std::unique_ptr<SendReq> own(reinterpret_cast<SendReq*>(r));
    auto* b = udp_block(r->handle->data);
    if (b->closing || !own->on_sent) return;
    own->on_sent(uv_status(status, "send"));
  });
  if (rc != 0) {
    if (req->on_sent) req->on_sent(uv_error(rc, what));
    return;
  }
  req.release();
}

Status Udp::try_send(const net::Endpoint& to, std::span<const std::uint8_t> bytes) {
  if (!block_) return Error{"closed", "udp handle is closed"};
  sockaddr_storage ss{};
  to.to_sockaddr(ss);
  uv_buf_t buf = uv_buf_init(const_cast<char*>(reinterpret_cast<const char*>(bytes.data())),
                             static_cast<unsigned>(bytes.size()));
  int rc = uv_udp_try_send(&block_->uv, &buf, 1, reinterpret_cast<sockaddr*>(&ss));
  return uv_status(rc, "send to " + to.to_string());
}

std::size_t Udp::send_queue_size() const { return block_ ? block_->uv.send_queue_size : 0; }

Result<net::Endpoint> Udp::local_endpoint() const {
  if (!block_) return Error{"closed", "udp handle is closed"};
  sockaddr_storage ss{};
  int len = sizeof(ss);
  int rc = uv_udp_getsockname(&block_->uv, reinterpret_cast<sockaddr*>(&ss), &len);
  if (rc != 0) return uv_error(rc, "getsockname");
  return net::Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss));
}

int Udp::fd() const {
  uv_os_fd_t fd = -1;
  if (block_) uv_fileno(reinterpret_cast<const uv_handle_t*>(&block_->uv), &fd);
  return fd;
}

}  // namespace p2pd::loop
