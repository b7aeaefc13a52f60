#include "core/pipe/server.hpp"

#include <unistd.h>

#include <algorithm>

#include "core/net/socket_bind.hpp"
#include "core/pipe/tcp_transport.hpp"

namespace p2pd::pipe {

namespace {
constexpr int kBacklog = 511;
}

Server::Server(loop::Loop& loop, const PipeLimits& limits, Lingerer& lingerer, ServerHost& host, ServerSpec spec)
    : loop_(loop),
      limits_(limits),
      lingerer_(lingerer),
      host_(host),
      spec_(std::move(spec)),
      idle_ms_(spec_.udp_idle_ms.value_or(limits.udp_idle_ms)) {
  counters_.created_ms = loop_.now_ms();
}

Server::~Server() { stop(); }

PipeOptions Server::child_options() const {
  return PipeOptions{spec_.framing, spec_.answer_test_string.value_or(limits_.answer_test_string), spec_.name};
}

Status Server::start(const std::vector<BindTarget>& targets) {
  if (!spec_.tcp && !spec_.udp) return Error{"bad_request", "a server needs at least one of the protocols tcp, udp"};
  std::uint16_t chosen = spec_.port;
  for (const auto& target : targets) {
    for (bool tcp : {true, false}) {
      if ((tcp && !spec_.tcp) || (!tcp && !spec_.udp)) continue;
      auto st = bind_one(target, tcp, chosen);
      if (st.ok()) continue;
      bool family_off = st.error().code == "address_unavailable" || st.error().code == "family_unsupported";
      if (target.optional && family_off) break;  // e.g. no IPv6 here: skip ::1
      stop();
      return st;
    }
  }
  if (listeners_.empty()) return Error{"not_found", "server " + spec_.name + ": nothing could be bound"};
  if (spec_.udp) {
    sweeper_ = loop::Timer(loop_);
    std::uint64_t every = std::clamp<std::uint64_t>(idle_ms_ / 4, 20, 5000);
    sweeper_.start(every, every, [this] { sweep_idle(); });
  }
  return {};
}

Status Server::bind_one(const BindTarget& target, bool tcp, std::uint16_t& chosen) {
  net::BindOptions options;
  options.type = tcp ? net::SocketType::tcp : net::SocketType::udp;
  net::Endpoint ep{target.address, chosen};
  auto fd = net::bind_socket(ep, options);
  if (!fd.ok() && spec_.port == 0 && chosen != 0 && fd.error().code == "address_in_use") {
    ep.port = 0;  // the picked port is taken here: this socket gets its own
    fd = net::bind_socket(ep, options);
  }
  if (!fd.ok()) return fd.error();
  net::Endpoint local;
  if (tcp) {
    auto listener = std::make_unique<loop::Tcp>(loop_);
    if (auto st = listener->open(*fd); !st.ok()) {
      ::close(*fd);
      return st;
    }
    loop::Tcp* raw = listener.get();
    if (auto st = listener->listen(kBacklog, [this, raw](Status s) {
          if (s.ok()) on_accept(*raw);
        });
        !st.ok())
      return st;
    auto l = listener->local_endpoint();
    if (!l.ok()) return l.error();
    local = *l;
    tcp_listeners_.push_back(std::move(listener));
  } else {
    loop::Udp udp(loop_, /*recvmmsg=*/true);
    if (auto st = udp.open(*fd); !st.ok()) {
      ::close(*fd);
      return st;
    }
    auto l = udp.local_endpoint();
    if (!l.ok()) return l.error();
    local = *l;
    auto port = std::make_shared<UdpPort>(std::move(udp), local);
    std::weak_ptr<UdpPort> weak = port;
    if (auto st = port->start([this, weak](std::span<const std::uint8_t> data, const net::Endpoint& from) {
          if (auto p = weak.lock()) on_new_sender(p, data, from);
        });
        !st.ok())
      return st;
    udp_ports_.push_back(std::move(port));
  }
  if (chosen == 0) chosen = local.port;
  listeners_.push_back(ListenerInfo{tcp ? "tcp" : "udp", local, target.interface});
  return {};
}

std::string Server::next_name() {
  std::string name;
  do name = spec_.name + "." + std::to_string(next_++);
  while (host_.name_taken(name));
  return name;
}

void Server::on_accept(loop::Tcp& listener) {
  auto conn = listener.accept();
  if (!conn.ok()) return;
  if (!host_.has_room()) {
    ++counters_.refused;
    return;  // conn closes as it goes out of scope
  }
  auto transport = std::make_unique<TcpTransport>(std::move(*conn), lingerer_, limits_.relay_low_water,
                                                  limits_.close_linger_ms);
  std::string name = next_name();
  if (host_.add_pipe(*this, name, std::move(transport)) == nullptr) return;
  children_.insert(name);
  ++counters_.accepted;
}

void Server::on_new_sender(const std::shared_ptr<UdpPort>& port, std::span<const std::uint8_t> data,
                           const net::Endpoint& from) {
  if (port->senders() >= limits_.max_udp_senders || !host_.has_room()) {
    ++counters_.dropped_datagrams;
    return;
  }
  auto transport = std::make_unique<UdpSenderTransport>(port, from);
  UdpSenderTransport* raw = transport.get();
  std::string name = next_name();
  if (host_.add_pipe(*this, name, std::move(transport)) == nullptr) return;
  children_.insert(name);
  udp_children_.insert(name);
  ++counters_.udp_senders;
  raw->deliver(data, from);  // the datagram that made the pipe is its first message
}

void Server::sweep_idle() {
  const std::uint64_t now = loop_.now_ms();
  std::vector<std::string> idle;
  for (const auto& name : udp_children_) {
    Pipe* p = host_.find_pipe(name);
    if (p && now - p->last_activity_ms() >= idle_ms_) idle.push_back(name);
  }
  for (const auto& name : idle) {
    ++counters_.expired;
    host_.close_pipe(name, "idle for " + std::to_string(idle_ms_) + " ms");
  }
}

void Server::forget(const std::string& pipe_name) {
  children_.erase(pipe_name);
  udp_children_.erase(pipe_name);
}

void Server::stop() {
  sweeper_.close();
  tcp_listeners_.clear();
  for (auto& port : udp_ports_) port->close();
  udp_ports_.clear();
}

ServerInfo Server::info() const {
  ServerInfo out = counters_;
  out.name = spec_.name;
  out.listeners = listeners_;
  out.pipes.assign(children_.begin(), children_.end());
  out.framing = std::string(framing_name(spec_.framing));
  out.answer_test_string = spec_.answer_test_string.value_or(limits_.answer_test_string);
  out.udp_idle_ms = spec_.udp ? idle_ms_ : 0;
  return out;
}

}  // namespace p2pd::pipe
