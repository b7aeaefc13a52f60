#include "core/traverse/stun_tcp.hpp"

#include "core/proto/stun_message.hpp"

namespace p2pd::traverse {

namespace stun = proto::stun;

StunTcpProbe::StunTcpProbe(loop::Loop& loop, turn::Timing timing, std::string software)
    : loop_(loop), timing_(timing), software_(std::move(software)), clock_(loop), deadline_(loop), later_(loop) {}

StunTcpProbe::~StunTcpProbe() {
  finished_ = true;
  transactions_.reset();
  link_.reset();
}

void StunTcpProbe::start(const net::Endpoint& server, std::optional<net::Endpoint> local, Done done) {
  done_ = std::move(done);
  what_ = BindingProbe{server, {}, server};
  started_ms_ = loop_.now_ms();
  deadline_.start(timing_.timeout_ms, 0, [this] {
    finish(Error{"timeout", "no STUN answer over TCP from " + what_.server.to_string() + " within " +
                                std::to_string(timing_.timeout_ms) + " ms"});
  });
  link_ = std::make_unique<turn::TcpLink>(loop_, server, timing_.timeout_ms, local);
  link_->open([this](std::span<const std::uint8_t> f) { on_frame(f); },
              [this](Status ready) {
                if (!ready) return finish(ready.error());
                transactions_ = std::make_unique<turn::Transactions>(clock_, *link_, timing_);
                const auto id = turn::random_transaction_id();
                transactions_->start(id, binding_request(id, {}, software_), {}, [this](Result<stun::Message> r) {
                  if (!r) return finish(r.error());
                  auto local_ep = link_->local();
                  if (!local_ep) return finish(Error{"closed", "the TCP connection has no local address"});
                  auto a = read_binding_response(*r, what_, what_.server, *local_ep);
                  if (a) {
                    a->rtt_ms = loop_.now_ms() - started_ms_;
                    a->sends = 1;
                  }
                  finish(std::move(a));
                });
              },
              [this](Status failed) {
                finish(failed.ok() ? Result<BindingAnswer>(Error{"closed", "the connection closed"})
                                   : Result<BindingAnswer>(failed.error()));
              });
}

void StunTcpProbe::on_frame(std::span<const std::uint8_t> frame) {
  if (finished_ || !transactions_) return;
  auto m = stun::parse(frame);
  if (!m) return finish(Error{"malformed", "the server sent a bad STUN frame: " + m.error().message});
  (void)transactions_->on_response(frame, *m);
}

void StunTcpProbe::finish(Result<BindingAnswer> result) {
  if (finished_) return;
  finished_ = true;
  deadline_.stop();
  if (link_) link_->close();
  auto shared = std::make_shared<Result<BindingAnswer>>(std::move(result));
  later_.start(0, 0, [this, shared] {
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(*shared));  // may destroy this
  });
}

}  // namespace p2pd::traverse
