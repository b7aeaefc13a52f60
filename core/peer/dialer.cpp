#include "core/peer/dialer.hpp"

#include <spdlog/spdlog.h>

#include "core/peer/path_tcp.hpp"
#include "core/peer/path_udp.hpp"

namespace p2pd::peer {

Dialer::Dialer(loop::Loop& loop, MuxFor mux_for, quic::SessionConfig config, std::vector<DialCandidate> candidates,
               DialOptions options, DoneFn done)
    : loop_(loop),
      mux_for_(std::move(mux_for)),
      config_(std::move(config)),
      candidates_(std::move(candidates)),
      options_(options),
      done_(std::move(done)),
      started_ms_(loop.now_ms()),
      stagger_(loop),
      deadline_(loop),
      finish_(loop) {
  if (candidates_.empty()) {
    finish_later(Error{"unreachable", "the peer address has no candidate to dial directly"});
    return;
  }
  deadline_.start(options_.timeout_ms, 0, [this] {
    finish_later(Error{"timeout", "no handshake completed within " + std::to_string(options_.timeout_ms) + " ms"});
  });
  start_next();
}

Dialer::~Dialer() = default;

void Dialer::start_next() {
  if (result_ || next_ >= candidates_.size()) return;
  attempts_.push_back(std::make_unique<Attempt>(Attempt{candidates_[next_++], {}, {}, {}, false}));
  begin(*attempts_.back());
  if (result_) return;
  if (next_ < candidates_.size()) stagger_.start(options_.stagger_ms, 0, [this] { start_next(); });
}

void Dialer::begin(Attempt& attempt) {
  const DialCandidate& c = attempt.candidate;
  if (c.kind == PathKind::udp) {
    UdpMux* mux = mux_for_ ? mux_for_(c.remote.address.family) : nullptr;
    if (!mux) return failed(attempt, Error{"unreachable", "no UDP socket for this address family"});
    auto path = mux->open_path(c.remote);
    if (!path) return failed(attempt, path.error());
    return begin_session(attempt, std::move(*path));
  }
  attempt.tcp = std::make_unique<loop::Tcp>(loop_);
  attempt.tcp->connect(c.remote, [this, a = &attempt](Status st) {
    if (!st) return failed(*a, st.error());
    auto path = TcpPath::create(std::move(*a->tcp));
    a->tcp.reset();
    if (!path) return failed(*a, path.error());
    begin_session(*a, std::move(*path));
  });
}

void Dialer::begin_session(Attempt& attempt, std::unique_ptr<Path> path) {
  quic::Session::Callbacks cb;
  Attempt* a = &attempt;
  cb.on_established = [this, a] {
    if (result_) return;
    a->established = true;
    Win win{std::move(a->session), a->candidate, loop_.now_ms() - started_ms_};
    finish_later(std::move(win));
  };
  cb.on_closed = [this, a](Error why) { failed(*a, std::move(why)); };
  auto session = quic::Session::connect(loop_, std::move(path), config_, std::move(cb));
  if (!session) return failed(attempt, session.error());
  attempt.session = std::move(*session);
}

void Dialer::failed(Attempt& attempt, Error why) {
  if (attempt.failure || result_) return;
  spdlog::debug("dial {}: {}", attempt.candidate.describe(), why.message);
  attempt.failure = std::move(why);
  if (all_failed()) {
    std::string reasons;
    for (const auto& a : attempts_) {
      if (!reasons.empty()) reasons += "; ";
      reasons += a->candidate.describe() + ": " + a->failure->message;
    }
    finish_later(Error{"unreachable", "every direct candidate failed: " + reasons});
    return;
  }
  // Happy eyeballs: a failure starts the next candidate without waiting for the stagger.
  if (next_ < candidates_.size()) {
    stagger_.stop();
    stagger_.start(0, 0, [this] { start_next(); });
  }
}

bool Dialer::all_failed() const {
  if (next_ < candidates_.size()) return false;
  for (const auto& a : attempts_)
    if (!a->failure) return false;
  return true;
}

void Dialer::finish_later(Result<Win> result) {
  if (result_) return;
  result_ = std::move(result);
  stagger_.stop();
  deadline_.stop();
  finish_.start(0, 0, [this] {
    // Losers are cancelled here, outside their own callbacks; the winner is handed over.
    attempts_.clear();
    auto done = std::move(done_);
    auto result = std::move(*result_);
    if (result) {
      result->session->set_callbacks({});
      if (result->session->is_closed()) {
        auto why = result->session->close_reason().value_or(Error{"closed", "closed"});
        result = Error{"unreachable", result->candidate.describe() + " closed right after its handshake: " + why.message};
      }
    }
    if (done) done(std::move(result));  // may destroy us
  });
}

}  // namespace p2pd::peer
