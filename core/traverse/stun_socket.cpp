#include "core/traverse/stun_socket.hpp"

#include <vector>

#include "core/net/socket_bind.hpp"
#include "core/proto/stun_demux.hpp"

namespace p2pd::traverse {

namespace stun = proto::stun;

StunSocket::Probe::Probe(StunSocket& owner, BindingProbe p, turn::Timing timing, Done d)
    : what(std::move(p)), link(owner, what.server), transactions(owner.clock_, link, timing), done(std::move(d)) {}

Status StunSocket::ProbeLink::send_frame(std::span<const std::uint8_t> frame) {
  if (!owner_.udp_.is_open()) return Error{"closed", "the STUN socket is closed"};
  ++owner_.counters_.requests;
  auto st = owner_.udp_.try_send(to_, frame);
  if (st.ok() || st.error().code != "EAGAIN") return st;
  owner_.udp_.send(to_, std::vector<std::uint8_t>(frame.begin(), frame.end()));
  return {};
}

StunSocket::StunSocket(loop::Loop& loop, turn::Timing timing, std::string software)
    : loop_(loop), timing_(timing), software_(std::move(software)), clock_(loop), timer_(loop) {}

StunSocket::~StunSocket() {
  *alive_ = false;
  udp_.close();
  timer_.close();
}

Status StunSocket::open(const net::Endpoint& local, const std::string& device) {
  auto fd = net::bind_socket(local, {net::SocketType::udp, device, false});
  if (!fd) return fd.error();
  udp_ = loop::Udp(loop_);
  if (auto st = udp_.open(*fd); !st) {
    udp_.close();
    return st;
  }
  auto ep = udp_.local_endpoint();
  if (!ep) {
    udp_.close();
    return ep.error();
  }
  local_ = *ep;
  auto st = udp_.recv_start([this](std::span<const std::uint8_t> d, const net::Endpoint& from) { on_datagram(d, from); });
  if (!st) {
    udp_.close();
    local_.reset();
  }
  return st;
}

void StunSocket::probe(BindingProbe what, Done done) {
  if (!udp_.is_open() || !local_) {
    done(Error{"closed", "the STUN socket is not open"});
    return;
  }
  if (what.server.address.family != local_->address.family) {
    done(Error{"bad_request", "server " + what.server.to_string() + " is not of the socket's family"});
    return;
  }
  const auto id = turn::random_transaction_id();
  auto bytes = binding_request(id, what.change, software_);
  auto p = std::make_unique<Probe>(*this, std::move(what), timing_, std::move(done));
  p->started_ms = loop_.now_ms();
  Probe* raw = p.get();
  probes_[id] = std::move(p);
  raw->transactions.start(id, std::move(bytes), {}, [this, raw](Result<stun::Message> r) {
    if (!r) {
      raw->outcome = r.error().code == "timeout"
                         ? Result<BindingAnswer>(Error{"timeout", "no answer from " + raw->what.server.to_string()})
                         : Result<BindingAnswer>(r.error());
      return;
    }
    auto a = read_binding_response(*r, raw->what, raw->from, *local_);
    if (a) {
      a->rtt_ms = loop_.now_ms() - raw->started_ms;
      a->sends = 1 + static_cast<int>(raw->transactions.retransmits());
    }
    raw->outcome = std::move(a);
  });
  settle();
}

void StunSocket::on_datagram(std::span<const std::uint8_t> d, const net::Endpoint& from) {
  if (!stun::looks_like_stun(d, true)) {
    ++counters_.malformed;
    return;
  }
  auto m = stun::parse(d);
  if (!m) {
    ++counters_.malformed;
    return;
  }
  auto it = probes_.find(m->transaction_id);
  if (it == probes_.end() || m->is_classic()) {
    ++counters_.stray;
    return;
  }
  Probe& p = *it->second;
  if (!acceptable_source(p.what, from)) {
    ++counters_.wrong_source;
    return;
  }
  p.from = from;
  if (!p.transactions.on_response(d, *m)) ++counters_.stray;  // a request or indication
  settle();
}

void StunSocket::on_timer() {
  for (auto& [id, p] : probes_)
    if (!p->outcome) p->transactions.on_timer();
  settle();
}

void StunSocket::settle() {
  std::vector<std::pair<Done, Result<BindingAnswer>>> finished;
  for (auto it = probes_.begin(); it != probes_.end();) {
    if (it->second->outcome) {
      if (it->second->outcome->ok()) ++counters_.answers;
      finished.emplace_back(std::move(it->second->done), std::move(*it->second->outcome));
      it = probes_.erase(it);
    } else {
      ++it;
    }
  }
  arm();
  auto alive = alive_;
  for (auto& [done, result] : finished) {
    if (!*alive) return;
    done(std::move(result));
  }
}

void StunSocket::arm() {
  std::optional<std::uint64_t> next;
  for (const auto& [id, p] : probes_)
    if (auto at = p->transactions.next_wakeup(); at && (!next || *at < *next)) next = at;
  if (!next) {
    timer_.stop();
    return;
  }
  const auto now = loop_.now_ms();
  timer_.start(*next > now ? *next - now : 0, 0, [this] { on_timer(); });
}

void StunSocket::close() {
  udp_.close();
  local_.reset();
  timer_.stop();
  for (auto& [id, p] : probes_)
    if (!p->outcome) p->outcome = Result<BindingAnswer>(Error{"closed", "the STUN socket was closed"});
  settle();
}

}  // namespace p2pd::traverse
