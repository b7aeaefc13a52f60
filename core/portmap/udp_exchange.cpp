#include "core/portmap/udp_exchange.hpp"

#include <sodium.h>

#include <algorithm>

namespace p2pd::portmap {

namespace {
double random_unit() {  // [-1, 1]
  return static_cast<double>(randombytes_uniform(2001)) / 1000.0 - 1.0;
}
// What an ICMP error about the server means (other errors unchanged).
Error socket_error(const Error& e, const net::Endpoint& server, unsigned sends, std::uint64_t elapsed_ms) {
  const std::string after = " after " + std::to_string(sends) + " request" + (sends == 1 ? "" : "s") + " in " +
                            std::to_string(elapsed_ms) + " ms";
  if (e.code == "ECONNREFUSED")
    return Error{"refused", server.to_string() + " is closed (ICMP port unreachable)" + after};
  if (e.code == "EHOSTUNREACH" || e.code == "ENETUNREACH")
    return Error{"unreachable", server.address.to_string() + " is unreachable (" + e.message + ")" + after};
  return e;
}

}  // namespace

UdpExchange::UdpExchange(loop::Loop& loop) : loop_(loop), timer_(loop) {}

UdpExchange::~UdpExchange() = default;

void UdpExchange::start(const net::IpAddress& local, const net::Endpoint& server, std::vector<std::uint8_t> request,
                        Schedule schedule, Match match, Done done) {
  cancel();
  server_ = server;
  request_ = std::move(request);
  schedule_ = schedule;
  match_ = std::move(match);
  done_ = std::move(done);
  sends_ = 0;
  wait_ms_ = 0;
  started_ms_ = loop_.now_ms();

  udp_ = loop::Udp(loop_);
  Status st = udp_.bind(net::Endpoint{local, 0});
  // Connected, so that an ICMP error about the server (port unreachable: nothing
  // listens there) ends the exchange at once instead of after the whole schedule.
  if (st.ok()) st = udp_.connect(server_);
  if (st.ok()) {
    st = udp_.recv_start(
        [this](std::span<const std::uint8_t> d, const net::Endpoint& from) {
          if (!done_ || !(from == server_) || !match_(d)) return;
          finish(std::vector<std::uint8_t>(d.begin(), d.end()));
        },
        [this](Status error) { on_socket_error(error.error()); });
  }
  if (!st.ok()) {
    Error e{"io_error", "socket for " + server_.to_string() + ": " + st.error().message};
    timer_.start(0, 0, [this, e] { finish(e); });
    return;
  }
  send();
}

void UdpExchange::cancel() {
  done_ = nullptr;
  match_ = nullptr;
  timer_.stop();
  udp_.close();
}

void UdpExchange::send() {
  ++sends_;
  udp_.send_connected(request_, [this](Status st) {
    if (!st) on_socket_error(st.error());
  });
  wait_ms_ = next_wait_ms(schedule_, wait_ms_, random_unit());
  const std::uint64_t elapsed = loop_.now_ms() - started_ms_;
  const std::uint64_t left = schedule_.total_ms > elapsed ? schedule_.total_ms - elapsed : 0;
  timer_.start(std::min(wait_ms_, left), 0, [this] { on_timer(); });
}

void UdpExchange::on_timer() {
  const std::uint64_t elapsed = loop_.now_ms() - started_ms_;
  const bool out_of_sends = schedule_.max_sends != 0 && sends_ >= schedule_.max_sends;
  if (elapsed >= schedule_.total_ms || out_of_sends) {
    finish(Error{"timeout", "no answer from " + server_.to_string() + " after " + std::to_string(sends_) +
                                " request" + (sends_ == 1 ? "" : "s") + " in " + std::to_string(elapsed) + " ms"});
    return;
  }
  send();
}

void UdpExchange::on_socket_error(const Error& e) {
  if (!done_) return;
  Error why = socket_error(e, server_, sends_, loop_.now_ms() - started_ms_);
  if (why.code != "refused" && why.code != "unreachable") return;  // others: keep trying
  // Inside a send's callback or a receive: finish from the timer, never inside send().
  timer_.start(0, 0, [this, why] { finish(why); });
}

void UdpExchange::finish(Result<std::vector<std::uint8_t>> outcome) {
  Done done = std::move(done_);
  cancel();
  if (done) done(std::move(outcome));  // may destroy this
}

void ExchangeSet::start(const net::IpAddress& local, const net::Endpoint& server, std::vector<std::uint8_t> request,
                        Schedule schedule, UdpExchange::Match match, UdpExchange::Done done) {
  const std::uint64_t id = next_++;
  auto& slot = live_[id];
  slot = std::make_unique<UdpExchange>(loop_);
  slot->start(local, server, std::move(request), schedule, std::move(match),
              [this, id, done = std::move(done)](Result<std::vector<std::uint8_t>> outcome) {
                auto keep = std::move(done);  // the lambda dies with its exchange below
                live_.erase(id);
                keep(std::move(outcome));
              });
}

}  // namespace p2pd::portmap
